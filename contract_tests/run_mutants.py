"""Run the contract suite once per mutant (contract_tests/mutants.py); fail unless every mutant is caught.

    python -m contract_tests.run_mutants [--jobs 2] [--only NAME ...] [--markdown] [-- extra pytest args]
    python contract_tests/run_mutants.py ...        (the same)

First a baseline run without a mutant must pass (else "caught" would mean nothing). Each run uses the small,
deterministic `mutants` Hypothesis profile and skips the `slow` live-path test. Prints, per mutant, the tests
that failed (the ones that caught it); exits 1 if a mutant survived or the baseline failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: `python contract_tests/run_mutants.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contract_tests.mutants import MUTANTS
from contract_tests.spec import ROOT


@dataclass
class Outcome:
    mutant: str
    returncode: int
    caught_by: list[str]
    seconds: float
    tail: str


def run_one(mutant: str | None, workdir: Path, extra: list[str]) -> Outcome:
    junit = workdir / f"{mutant or 'baseline'}.xml"
    env = {
        k: v for k, v in os.environ.items() if k not in ("INFRAI_MOCK_MUTANT", "INFRAI_HYPOTHESIS_PROFILE")
    }
    if mutant:
        env["INFRAI_MOCK_MUTANT"] = mutant
    env["INFRAI_HYPOTHESIS_PROFILE"] = "mutants"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "contract_tests",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not slow",
        f"--junitxml={junit}",
        *extra,
    ]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    caught = []
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                caught.append(f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}")
    return Outcome(
        mutant or "baseline",
        done.returncode,
        sorted(set(caught)),
        time.monotonic() - started,
        done.stdout[-3000:],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=2, help="mutants run in parallel (default 2)")
    parser.add_argument("--only", nargs="*", default=None, help="just these mutants")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("extra", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    names = args.only or list(MUTANTS)
    unknown = [name for name in names if name not in MUTANTS]
    if unknown:
        parser.error(f"unknown mutant(s): {', '.join(unknown)}; known: {', '.join(MUTANTS)}")
    with tempfile.TemporaryDirectory(prefix="infrai-mutants-") as tmp:
        workdir = Path(tmp)
        baseline = run_one(None, workdir, args.extra)
        print(f"baseline: exit {baseline.returncode} in {baseline.seconds:.0f} s", flush=True)
        if baseline.returncode != 0:
            print("the suite fails without a mutant; fix that first:\n" + baseline.tail)
            return 1
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            outcomes = list(pool.map(lambda name: run_one(name, workdir, args.extra), names))
    survived = [o.mutant for o in outcomes if o.returncode == 0 or not o.caught_by]
    if args.markdown:
        print("\n| mutant | what is broken | caught by |\n|---|---|---|")
        for o in outcomes:
            tests = "<br>".join(f"`{t}`" for t in o.caught_by) or "**SURVIVED**"
            print(f"| `{o.mutant}` | {MUTANTS[o.mutant].description} | {tests} |")
    else:
        for o in outcomes:
            status = "caught" if o.mutant not in survived else "SURVIVED"
            print(f"\n{o.mutant}: {status} ({o.seconds:.0f} s) - {MUTANTS[o.mutant].description}")
            for test in o.caught_by:
                print(f"    {test}")
            if o.mutant in survived:
                print(o.tail)
    if survived:
        print(f"\n{len(survived)} mutant(s) survived: {', '.join(survived)}")
        return 1
    print(f"\nall {len(outcomes)} mutants caught")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
