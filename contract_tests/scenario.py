"""What the model and the scenario tests send: grouping families, capture bodies, and per-scenario scoping.

A *family* is a set of capture bodies that must land in one group: the variable part of a message is a
number, uuid, url, email, ip, hex value or date (normalised away), stack traces differ only in line numbers, a
code or a custom fingerprint is shared while the message varies. Distinct families must land in distinct
groups.

Against the mock every scenario gets a fresh API key (an empty tracker). Against live the key is shared, so a
scenario is scoped by a tag `infrai_contract_run=<run>-<n>`, a letters-only message prefix (it survives
message normalisation) and a custom fingerprint `["{{ default }}", <scenario tag>]` so nothing of this run
can group with foreign data. Destructive calls only ever name groups this scenario created.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

RUN_TAG = "infrai_contract_run"
LEVELS = ("debug", "info", "warning", "error", "fatal")
ENVIRONMENTS = ("production", "staging", "development")


@dataclass(frozen=True)
class Family:
    key: str
    kind: str  # message | exc_message | stack | exc_code | code | custom
    template: str = ""
    var: str = "int"
    exc_type: str | None = None
    frames: tuple[tuple[str, str], ...] = ()
    stack_style: str = "python"
    code: str | None = None
    fingerprint: tuple[str, ...] | None = None


MESSAGE_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("user {} not found", "int"),
    ("payment failed for order {}, retry later", "int"),
    ('parser said "bad token" near {}', "uuid"),
    ("timeout contacting {} after retry", "url"),
    ("mail to {} bounced", "email"),
    ("connection refused from {}", "ip"),
    ("Ünïcode fehlgeschlagen für Benutzer {} — ошибка", "int"),
    ("first line {}\nsecond line stays", "int"),
    ("disk full on volume {}", "hex"),
    ("job scheduled at {} missed", "date"),
)

FAMILIES: tuple[Family, ...] = (
    *(
        Family(f"message:{i}", "message", template, var)
        for i, (template, var) in enumerate(MESSAGE_TEMPLATES)
    ),
    Family("exc_message:0", "exc_message", "bad input {}", "int", exc_type="ValueError"),
    Family("exc_message:1", "exc_message", "user {} not found", "int", exc_type="LookupError"),
    Family(
        "stack:0",
        "stack",
        exc_type="ValueError",
        frames=(("app/payments.py", "charge"), ("app/api.py", "handle")),
    ),
    Family(
        "stack:1",
        "stack",
        exc_type="ValueError",
        frames=(("app/orders.py", "place"), ("app/api.py", "handle")),
    ),
    Family(
        "stack:2",
        "stack",
        exc_type="TypeError",
        frames=(("src/view.js", "render"), ("src/app.js", "main")),
        stack_style="v8",
    ),
    Family("exc_code:0", "exc_code", exc_type="DatabaseError", code="DB_TIMEOUT"),
    Family("exc_code:1", "exc_code", exc_type="DatabaseError", code="DB_DEADLOCK"),
    Family("code:0", "code", code="PAYMENT_DECLINED"),
    Family("code:1", "code", code="CARD_EXPIRED"),
    Family("custom:0", "custom", fingerprint=("checkout", "step-a")),
    Family("custom:1", "custom", fingerprint=("checkout", "step-b")),
)
BY_KEY = {family.key: family for family in FAMILIES}

TAG_POOL: dict[str, tuple[str, ...]] = {
    "service": ("checkout", "search", "billing"),
    "region": ("eu-west-1", "us-east-1"),
    "note": ("has, comma", 'has "quotes"', "naïve-ß"),
}
USERS = ("u_1", "u_2", "u_3")
RELEASES = ("1.0.0", "2.0.0")


def variable(kind: str) -> st.SearchStrategy[str]:
    """Values of one normalisation class (each replaced by the same placeholder)."""
    small = st.integers(0, 10**6)
    strategies: dict[str, st.SearchStrategy[str]] = {
        "int": small.map(str),
        "uuid": st.uuids().map(str),
        "url": small.map(lambda n: f"https://api.example.com/v1/items/{n}"),
        "email": st.sampled_from(["bob", "alice.smith", "ops+alerts"]).map(lambda u: f"{u}@example.org"),
        "ip": st.tuples(st.integers(0, 255), st.integers(0, 255)).map(lambda t: f"10.0.{t[0]}.{t[1]}"),
        "hex": st.integers(1, 2**32).map(lambda n: f"0x{n:x}"),
        "date": st.tuples(st.integers(1, 28), st.integers(0, 23)).map(
            lambda t: f"2026-11-{t[0]:02d}T{t[1]:02d}:00:00Z"
        ),
    }
    return strategies[kind]


def _stack(family: Family, lines: list[int]) -> str:
    if family.stack_style == "v8":
        frames = "".join(
            f"    at {func} ({path}:{line}:{line % 7 + 1})\n"
            for (path, func), line in zip(family.frames, lines, strict=True)
        )
        return f"{family.exc_type}: boom\n{frames}"
    frames = "".join(
        f'  File "{path}", line {line}, in {func}\n    do_work()\n'
        for (path, func), line in zip(family.frames, lines, strict=True)
    )
    return f"Traceback (most recent call last):\n{frames}{family.exc_type}: boom\n"


@dataclass(frozen=True)
class CaptureSpec:
    """One capture call, before scoping: which operation, which family, and the body fields."""

    operation: str  # errors_capture | errors_message
    family: str
    body: dict[str, Any]


def _grouping_fields(draw: st.DrawFn, family: Family, free_message: str) -> tuple[str, dict[str, Any]]:
    """The operation and the body fields that decide the group, for one family."""
    if family.kind == "message":
        text = family.template.format(draw(variable(family.var)))
        return (
            ("errors_message", {"text": text})
            if draw(st.booleans())
            else ("errors_capture", {"message": text})
        )
    if family.kind == "exc_message":
        message = family.template.format(draw(variable(family.var)))
        return "errors_capture", {"exception": {"type": family.exc_type, "message": message}}
    if family.kind == "stack":
        lines = draw(st.lists(st.integers(1, 999), min_size=len(family.frames), max_size=len(family.frames)))
        stack = _stack(family, lines)
        exception: dict[str, Any] = {"type": family.exc_type, "message": free_message}
        body: dict[str, Any] = {"exception": exception}
        if draw(st.booleans()):
            exception["stacktrace"] = stack
        else:
            body["stack"] = stack
        if draw(st.booleans()):
            body["code"] = draw(st.sampled_from(["E_ONE", "E_TWO"]))  # the stack outranks the code
        return "errors_capture", body
    if family.kind == "exc_code":
        return "errors_capture", {
            "exception": {"type": family.exc_type, "message": free_message},
            "code": family.code,
        }
    if family.kind == "code":
        return "errors_capture", {"message": free_message, "code": family.code}
    body = {"message": free_message, "fingerprint": list(family.fingerprint or ())}
    if draw(st.booleans()):
        body["exception"] = {"type": "RuntimeError", "message": free_message}
    return "errors_capture", body


@st.composite
def capture_specs(draw: st.DrawFn, families: tuple[Family, ...] = FAMILIES) -> CaptureSpec:
    family = draw(st.sampled_from(families))
    any_message = draw(st.sampled_from(MESSAGE_TEMPLATES))
    free_message = any_message[0].format(draw(variable(any_message[1])))
    operation, body = _grouping_fields(draw, family, free_message)
    level = draw(st.none() | st.sampled_from(LEVELS))
    if level is not None:
        body["level"] = level
    tags = draw(st.dictionaries(st.sampled_from(sorted(TAG_POOL)), st.just(""), max_size=3))
    if tags:
        body["tags"] = {key: draw(st.sampled_from(TAG_POOL[key])) for key in tags}
    for name, pool in (("user_id", USERS), ("release", RELEASES), ("environment", ENVIRONMENTS)):
        value = draw(st.none() | st.sampled_from(pool))
        if value is not None:
            body[name] = value
    return CaptureSpec(operation, family.key, body)


_scenario_counter = itertools.count(1)


# 16 consonants: a run id spelt with them survives message normalisation (no digits) and never contains a
# vowel, so it cannot spell a search term a scenario looks for ("ok", "timeout", "pay", ...).
LETTERS = "bdfghjlmnqrsvwxz"


def letters(hex_text: str) -> str:
    """Spell hex digits with LETTERS."""
    return "".join(LETTERS[int(ch, 16)] for ch in hex_text)


@dataclass
class Scope:
    """How one scenario marks and narrows what it sends (live) or nothing at all (mock, fresh key)."""

    live: bool
    tag: str
    unique: str

    @classmethod
    def new(cls, live: bool, run_id: str) -> Scope:
        unique = f"{next(_scenario_counter):04x}{uuid.uuid4().hex[:8]}"
        return cls(live, f"{run_id}-{unique}", unique)

    @property
    def prefix(self) -> str:
        return f"[icr {letters(self.unique)}] " if self.live else ""

    def body(self, spec: CaptureSpec) -> dict[str, Any]:
        """The body to send: on live, tagged, prefixed and fingerprinted into this scenario."""
        body = {key: (dict(value) if isinstance(value, dict) else value) for key, value in spec.body.items()}
        if not self.live:
            return body
        body["tags"] = {**body.get("tags", {}), RUN_TAG: self.tag}
        for holder, key in ((body, "message"), (body, "text"), (body.get("exception"), "message")):
            if isinstance(holder, dict) and isinstance(holder.get(key), str):
                holder[key] = self.prefix + holder[key]
        # Message-grouped families are isolated by the prefix (errors.message takes no fingerprint); the
        # others group by stack, code or custom fingerprint, which the prefix does not touch.
        if BY_KEY[spec.family].kind in ("stack", "exc_code", "code", "custom"):
            body["fingerprint"] = [*body.get("fingerprint", ["{{ default }}"]), f"scenario:{self.tag}"]
        return body

    def filter(self, raw: dict[str, Any] | None) -> dict[str, Any] | None:
        """Narrow an event filter to this scenario on live."""
        if not self.live:
            return raw
        return {**(raw or {}), f"tags.{RUN_TAG}": self.tag}

    def idempotency_key(self, n: int) -> str:
        return f"icr-{self.tag}-{n}"
