"""Turn the raw samples into medians, spreads, ratios, target verdicts, Markdown and an optional chart."""

from __future__ import annotations

import math
import statistics
from typing import Any

from workload import OPERATIONS

MOCK = "mock --strict"
LOOSE = "mock --no-strict"
BARE = "bare aiohttp"
PRISM = "prism"
CAPTURES = ("errors.capture, distinct groups", "errors.capture, same group", "errors.message")
# Operations that change state (resolve, bulk, retention.set): not reads for the "every read" target.
WRITES = frozenset(op.name for op in OPERATIONS if op.kind == "write")


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def cell(samples: list[dict[str, Any]], key: str) -> dict[str, float]:
    # A cell in which no request completed (each took longer than the cell) has no latency figures.
    values = [s[key] for s in samples if s.get(key) is not None and (s["requests"] or key == "rps")]
    if not values:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan")}
    return {"median": med(values), "min": min(values), "max": max(values)}


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    """Per size, operation and server: median/min/max of rps, p50, p99, CPU; ratios from the same reps."""
    out: dict[str, Any] = {}
    for size, ops in results["runs"].items():
        out[size] = {}
        for op, by_server in ops.items():
            row: dict[str, Any] = {}
            for server, samples in by_server.items():
                row[server] = {
                    key: cell(samples, key) for key in ("rps", "p50_ms", "p99_ms", "cpu_us_per_request")
                }
                row[server]["non_2xx"] = sum(s["non_2xx"] for s in samples)
            # Ratios rep by rep (the servers ran back to back in each rep), then the median.
            for other in (BARE, PRISM):
                if MOCK in by_server and other in by_server:
                    pairs = list(zip(by_server[MOCK], by_server[other], strict=False))
                    row[f"rps_vs_{other}"] = med([m["rps"] / o["rps"] for m, o in pairs if o["rps"]])
                    row[f"p99_vs_{other}"] = med([m["p99_ms"] / o["p99_ms"] for m, o in pairs if o["p99_ms"]])
            out[size][op] = row
    return out


def _f(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def _spread(c: dict[str, float], digits: int = 0) -> str:
    return f"{_f(c['median'], digits)} ({_f(c['min'], digits)}-{_f(c['max'], digits)})"


def side_by_side(summary: dict[str, Any], size: str) -> list[str]:
    lines = [
        f"| operation ({size} events) | mock strict req/s | mock non-strict req/s | bare req/s | Prism req/s "
        "| strict / bare | strict / Prism | strict p50 / p99 ms | bare p99 ms | Prism p99 ms "
        "| strict CPU µs/req |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for op, row in summary[size].items():
        strict, loose = row.get(MOCK), row.get(LOOSE)
        bare, prism = row.get(BARE), row.get(PRISM)
        flag = ""
        if prism and prism["non_2xx"]:
            flag = " †"
        lines.append(
            "| "
            + " | ".join(
                [
                    op,
                    _spread(strict["rps"]) if strict else "n/a",
                    _spread(loose["rps"]) if loose else "n/a",
                    _spread(bare["rps"]) if bare else "n/a",
                    (_spread(prism["rps"]) + flag) if prism else "n/a",
                    _f(row.get(f"rps_vs_{BARE}", float("nan")), 2),
                    _f(row.get(f"rps_vs_{PRISM}", float("nan")), 2),
                    f"{_f(strict['p50_ms']['median'], 1)} / {_f(strict['p99_ms']['median'], 1)}"
                    if strict
                    else "n/a",
                    _f(bare["p99_ms"]["median"], 1) if bare else "n/a",
                    _f(prism["p99_ms"]["median"], 1) if prism else "n/a",
                    _f(strict["cpu_us_per_request"]["median"]) if strict else "n/a",
                ]
            )
            + " |"
        )
    return lines


def growth(summary: dict[str, Any]) -> list[str]:
    sizes = list(summary)
    head = " | ".join(f"p99 ms at {s}" for s in sizes)
    rps_head = " | ".join(f"req/s at {s}" for s in sizes)
    lines = [
        f"| operation (mock strict) | {head} | p99 {sizes[-1]} / {sizes[0]} | {rps_head} |",
        "|---|" + "---|" * (2 * len(sizes) + 1),
    ]
    for op in summary[sizes[0]]:
        p99 = [summary[s][op][MOCK]["p99_ms"]["median"] for s in sizes]
        rps = [summary[s][op][MOCK]["rps"]["median"] for s in sizes]
        lines.append(
            f"| {op} | "
            + " | ".join(_f(v, 1) for v in p99)
            + f" | {_f(p99[-1] / p99[0], 2)} | "
            + " | ".join(_f(v) for v in rps)
            + " |"
        )
    return lines


def targets(results: dict[str, Any], summary: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    """Each target of issue 11 with its verdict (None: not measured in this run) and the figure."""
    sizes = list(summary)
    first = summary[sizes[0]]
    verdicts: list[tuple[str, bool | None, str]] = []
    for op in CAPTURES:
        row = first.get(op, {})
        vs_bare, vs_prism = row.get(f"rps_vs_{BARE}"), row.get(f"rps_vs_{PRISM}")
        if vs_bare is not None and vs_prism is not None:
            ok = vs_bare >= 0.5 and vs_prism >= 3
            verdicts.append(
                (
                    f"{op} (strict) ≥ 0.5x bare and ≥ 3x Prism",
                    ok,
                    f"{vs_bare:.2f}x bare, {vs_prism:.2f}x Prism",
                )
            )
    reads = [
        op
        for op, row in first.items()
        if op not in CAPTURES and op not in WRITES and row.get(f"rps_vs_{PRISM}") is not None
    ]
    worst = min(reads, key=lambda op: first[op][f"rps_vs_{PRISM}"], default=None)
    if worst is not None:
        value = first[worst][f"rps_vs_{PRISM}"]
        verdicts.append(("every read ≥ 2x Prism", value >= 2, f"lowest: {worst} at {value:.2f}x"))
    if len(sizes) > 1:
        ratios = {
            op: summary[sizes[-1]][op][MOCK]["p99_ms"]["median"] / first[op][MOCK]["p99_ms"]["median"]
            for op in first
            if op not in CAPTURES and first[op].get(MOCK)
        }
        op = max(ratios, key=lambda k: ratios[k])
        verdicts.append(
            (
                f"p99 at {sizes[-1]} ≤ 1.5x p99 at {sizes[0]}, every read",
                ratios[op] <= 1.5,
                f"highest: {op} at {ratios[op]:.2f}x",
            )
        )
    for op in ("errors.capture, distinct groups", "errors.capture, same group"):
        row = first.get(op, {})
        if row.get(f"p99_vs_{BARE}") is not None:
            value = row[f"p99_vs_{BARE}"]
            verdicts.append((f"{op} p99 ≤ 5x bare p99", value <= 5, f"{value:.1f}x"))
    memory = results.get("memory", {})
    for label in ("1000000", "100000"):
        if label in memory:
            kib = memory[label]["bytes_per_event"] / 1024
            target = "≤ 1.5 KiB RSS per stored event at 1M" + (
                "" if label == "1000000" else " (measured at 100k)"
            )
            verdicts.append(
                (target, kib <= 1.5 if label == "1000000" else None, f"{kib:.2f} KiB at {int(label):,}")
            )
            break
    start = results.get("startup", {})
    if "cli" in start and BARE in start["cli"] and MOCK in start["cli"]:
        ratio = start["cli"][MOCK]["median"] / start["cli"][BARE]["median"]
        verdicts.append(("CLI start ≤ 1.5x bare aiohttp start", ratio <= 1.5, f"{ratio:.2f}x"))
    if "in_process" in start:
        first_ms = start["in_process"]["first_ms"]["median"]
        verdicts.append(("first in-process MockServer ≤ 50 ms", first_ms <= 50, f"{first_ms:.1f} ms"))
    return verdicts


def markdown(results: dict[str, Any]) -> str:
    summary = results["summary"]
    meta = results["meta"]
    lines = [
        f"# Benchmark run {meta['started']}",
        "",
        f"Command: `{meta['command']}`  ",
        f"Machine: {meta['machine']}  ",
        f"Load: {meta['load']}  ",
        f"Versions: {meta['versions']}",
        "",
        "Cells are median (min-max) over the interleaved repetitions; ratios are medians of per-repetition "
        "ratios. † Prism answered some requests with a non-2xx status. n/a latency: no request "
        "completed within the cell.",
        "",
    ]
    for size in summary:
        lines += [*side_by_side(summary, size), ""]
    if len(summary) > 1:
        lines += ["## Growth with stored events", "", *growth(summary), ""]
    if results.get("memory"):
        lines += [
            "## Memory",
            "",
            "| stored events | RSS before | RSS after | bytes per event | served JSON per event |",
            "|---|---|---|---|---|",
        ]
        for size, m in results["memory"].items():
            lines.append(
                f"| {int(size):,} | {m['rss_before'] / 2**20:,.1f} MiB | {m['rss_after'] / 2**20:,.1f} MiB "
                f"| {m['bytes_per_event']:,.0f} | {m['served_bytes_per_event']:,.0f} |"
            )
        lines.append("")
    start = results.get("startup", {})
    if start:
        lines += ["## Start-up (to first 200, median (min-max))", "", "| what | ms |", "|---|---|"]
        for kind, c in start.get("cli", {}).items():
            lines.append(f"| CLI: {kind} | {_spread(c, 1)} |")
        for key, c in start.get("in_process", {}).items():
            lines.append(f"| in-process: {key} | {_spread(c, 1)} |")
        lines.append("")
    lines += ["## Targets (issue 11)", "", "| target | verdict | measured |", "|---|---|---|"]
    for target, ok, figure in targets(results, summary):
        verdict = "not measured at 1M (flag off)" if ok is None else "met" if ok else "**not met**"
        lines.append(f"| {target} | {verdict} | {figure} |")
    return "\n".join(lines) + "\n"


def chart(results: dict[str, Any], path: str) -> bool:
    """Plot p99 against stored events per operation (mock strict), if matplotlib is installed."""
    try:
        import matplotlib  # noqa: PLC0415 (optional)

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return False
    summary = results["summary"]
    sizes = list(summary)
    if len(sizes) < 2:
        return False
    fig, ax = plt.subplots(figsize=(9, 5))
    for op in summary[sizes[0]]:
        ax.plot(
            [int(s) for s in sizes],
            [summary[s][op][MOCK]["p99_ms"]["median"] for s in sizes],
            marker="o",
            label=op,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("stored events")
    ax.set_ylabel("p99 latency, ms (mock --strict)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return True
