"""SIGKILL a `--database` server at random moments under concurrent load: nothing acknowledged is lost.

Each round starts `python -m mockserver --database FILE` on the same file, runs several client
threads (each its own tenant, so each keeps an exact model of its state) that capture with
idempotency keys, change statuses, delete groups and run bulk actions, and SIGKILLs the server at a
random moment. After the restart every tenant's stored state must equal its model: every answered
write is there, and the one request in flight when the server died was applied entirely or not at
all (a capture: event and idempotency key together; a bulk action: all its groups or none).

Sizes: INFRAI_CRASH_ROUNDS (default 3), INFRAI_CRASH_THREADS (default 4); CI uses the defaults.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROUNDS = int(os.environ.get("INFRAI_CRASH_ROUNDS", "3"))
THREADS = int(os.environ.get("INFRAI_CRASH_THREADS", "4"))
FINGERPRINTS = 5
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Model:
    """What one tenant must hold: groups with their status and events, and the idempotency results."""

    key: str
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, dict[str, Any]] = field(default_factory=dict)
    acknowledged: int = 0
    fresh_keys: list[str] = field(default_factory=list)

    def captured(self, idem: str, result: dict[str, Any], fingerprint: int) -> None:
        group = self.groups.setdefault(
            result["error_group_id"], {"status": "unresolved", "events": set(), "fingerprint": fingerprint}
        )
        group["events"].add(result["error_id"])
        if group["status"] == "resolved":
            group["status"] = "unresolved"  # an event regresses a resolved group
        self.idempotency[idem] = {key: value for key, value in result.items() if key != "duplicate"}
        self.fresh_keys.append(idem)


@dataclass
class Pending:
    """The request a client had sent when the server died (its answer never came)."""

    kind: str
    args: dict[str, Any]


def _start(database: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--database", str(database), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    found = re.search(r"listening on (http://\S+)", line)
    if found is None:
        server.kill()
        rest = server.communicate()[0]
        raise AssertionError(f"the server did not start: {line}{rest}")
    return server, found.group(1)


def _stop(server: subprocess.Popen[str]) -> None:
    server.wait(30)
    if server.stdout is not None:
        server.stdout.close()


class Client(threading.Thread):
    """One tenant's load: random writes, each answered one applied to the model at once."""

    def __init__(self, url: str, model: Model, seed: int) -> None:
        super().__init__(daemon=True)
        self.url, self.model, self.rng = url, model, random.Random(seed)
        self.pending: Pending | None = None
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {model.key}"
        self.serial = 0
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while True:
                self.step()
        except requests.RequestException:
            pass  # the server died: `pending` is the request whose answer never came
        except BaseException as exc:  # re-raised by the test thread
            self.failure = exc
        finally:
            self.session.close()

    def _post(self, path: str, method: str = "POST", **kwargs: Any) -> dict[str, Any]:
        response = self.session.request(method, f"{self.url}{path}", timeout=30, **kwargs)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def step(self) -> None:
        model, rng = self.model, self.rng
        live = sorted(model.groups)
        roll = rng.random()
        if roll < 0.6 or not live:
            self.serial += 1
            idem = f"{model.key}-{os.getpid()}-{time.monotonic_ns()}-{self.serial}"
            fingerprint = rng.randrange(FINGERPRINTS)
            self.pending = Pending("capture", {"idem": idem, "fingerprint": fingerprint})
            result = self._post(
                "/v1/errors/capture",
                json={"message": f"crash {idem}", "fingerprint": [f"fp{fingerprint}"]},
                headers={"Idempotency-Key": idem},
            )
            model.captured(idem, result, fingerprint)
        elif roll < 0.8:
            group_id, action = rng.choice(live), rng.choice(["resolve", "unresolve", "ignore"])
            self.pending = Pending("status", {"group": group_id, "before": model.groups[group_id]["status"]})
            result = self._post(f"/v1/errors/{action}/{group_id}")
            model.groups[group_id]["status"] = result["status"]
        elif roll < 0.9:
            group_id = rng.choice(live)
            self.pending = Pending("delete", {"group": group_id})
            self._post(f"/v1/errors/delete/{group_id}", "DELETE")
            del model.groups[group_id]
        else:
            chosen = rng.sample(live, min(2, len(live)))
            action = rng.choice(["resolve", "ignore", "delete"])
            self.pending = Pending("bulk", {"groups": chosen, "action": action})
            result = self._post("/v1/errors/bulk", json={"error_group_ids": chosen, "action": action})
            assert result["succeeded"] == chosen
            for group_id in chosen:
                if action == "delete":
                    del model.groups[group_id]
                else:
                    model.groups[group_id]["status"] = {"resolve": "resolved", "ignore": "ignored"}[action]
        self.pending = None
        model.acknowledged += 1


def _stored(url: str, key: str) -> dict[str, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {key}"}
    events = requests.post(f"{url}/v1/errors/export", json={}, headers=headers, timeout=30).json()["events"]
    groups: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = requests.get(f"{url}/v1/errors/groups", params=params, headers=headers, timeout=30).json()
        for group in page["items"]:
            groups[group["id"]] = {"status": group["status"], "events": set()}
        cursor = page["next_cursor"]
        if cursor is None:
            break
    for event in events:
        groups[event["error_group_id"]]["events"].add(event["id"])
    return groups


def _settle(url: str, model: Model, pending: Pending | None) -> None:
    """Fold the unanswered request into the model, checking it was applied whole or not at all."""
    if pending is None:
        return
    headers = {"Authorization": f"Bearer {model.key}"}
    stored = _stored(url, model.key)
    if pending.kind == "capture":
        idem, fingerprint = pending.args["idem"], pending.args["fingerprint"]
        # The retry tells whether the first attempt was kept; if it was not, this one stores it now.
        answer = requests.post(
            f"{url}/v1/errors/capture",
            json={"message": f"crash {idem}", "fingerprint": [f"fp{fingerprint}"]},
            headers={**headers, "Idempotency-Key": idem},
            timeout=30,
        ).json()
        model.captured(idem, answer, fingerprint)
        model.fresh_keys.pop()  # checked by the full comparison instead
    elif pending.kind == "status":
        group_id = pending.args["group"]
        if group_id in stored:
            model.groups[group_id]["status"] = stored[group_id]["status"]
    elif pending.kind == "delete":
        if pending.args["group"] not in stored:
            del model.groups[pending.args["group"]]
    else:
        _settle_bulk(model, pending, stored)


def _settle_bulk(model: Model, pending: Pending, stored: dict[str, dict[str, Any]]) -> None:
    chosen, action = pending.args["groups"], pending.args["action"]
    if action == "delete":
        gone = [group_id not in stored for group_id in chosen]
        assert all(gone) or not any(gone), f"a bulk delete was half applied: {chosen} {gone}"
        if all(gone):
            for group_id in chosen:
                del model.groups[group_id]
        return
    target = {"resolve": "resolved", "ignore": "ignored"}[action]
    applied = [stored[group_id]["status"] == target for group_id in chosen]
    changed = [model.groups[group_id]["status"] != target for group_id in chosen]
    if any(was_applied and did_change for was_applied, did_change in zip(applied, changed, strict=True)):
        assert all(applied), f"a bulk {action} was half applied: {chosen}"
        for group_id in chosen:
            model.groups[group_id]["status"] = target


def _check(url: str, model: Model) -> None:
    stored = _stored(url, model.key)
    expected = {
        group_id: {"status": g["status"], "events": g["events"]} for group_id, g in model.groups.items()
    }
    assert stored == expected, f"tenant {model.key}: the stored state differs from what was acknowledged"
    headers = {"Authorization": f"Bearer {model.key}"}
    for idem in model.fresh_keys:
        again = requests.post(
            f"{url}/v1/errors/capture",
            json={"message": "replayed"},
            headers={**headers, "Idempotency-Key": idem},
            timeout=30,
        ).json()
        assert again == {**model.idempotency[idem], "duplicate": True}
    model.fresh_keys.clear()


def test_sigkill_under_load_loses_no_acknowledged_write(tmp_path: Path) -> None:
    database = tmp_path / "crash.db"
    rng = random.Random(20261202)
    models = [Model(f"crash-tenant-{number}") for number in range(THREADS)]
    pendings: list[Pending | None] = [None] * THREADS
    for round_number in range(ROUNDS + 1):
        server, url = _start(database)
        try:
            for index, model in enumerate(models):
                _settle(url, model, pendings[index])
                _check(url, model)
            if round_number == ROUNDS:
                break
            clients = [Client(url, model, rng.randrange(2**32)) for model in models]
            for client in clients:
                client.start()
            time.sleep(rng.uniform(0.2, 1.2))
        finally:
            server.send_signal(signal.SIGKILL)
            _stop(server)
        for index, client in enumerate(clients):
            client.join(60)
            assert not client.is_alive()
            if client.failure is not None:
                raise client.failure
            pendings[index] = client.pending
    acknowledged = sum(model.acknowledged for model in models)
    events = sum(len(group["events"]) for model in models for group in model.groups.values())
    print(f"crash test: {ROUNDS} SIGKILLs, {acknowledged} acknowledged writes, {events} events kept, 0 lost")
    assert acknowledged > 0
