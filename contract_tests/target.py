"""The service under test: the in-process mock or a live base URL, with its keys and run scoping."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

import requests

from .client import Client
from .scenario import RUN_TAG, Scope

# Keys of the in-process mock. It runs with an allow-list (so schemathesis's invalid-key probe gets its 401),
# and every scenario draws a fresh key from the list: a fresh key is a fresh, empty tracker.
KEY_POOL_SIZE = 20_000


@dataclass
class Target:
    kind: str  # "mock" | "live"
    base_url: str
    api_key: str  # the suite's main key (mock: one of the pool)
    run_id: str
    readonly: bool = False
    server: Any = None  # the MockServer, for --target=mock
    spare_keys: list[str] = field(default_factory=list)
    # Groups this run created (CaptureResult.is_new_group), the only ones destructive calls may name on live.
    owned_groups: set[str] = field(default_factory=set)
    _keys: Any = None

    @classmethod
    def mock_keys(cls, run_id: str) -> list[str]:
        salt = secrets.token_hex(4)
        return [f"ct_{run_id[:8]}_{salt}_{i:05d}" for i in range(KEY_POOL_SIZE)]

    @property
    def is_live(self) -> bool:
        return self.kind == "live"

    def fresh_key(self) -> str:
        """A key nobody used yet on the mock (an empty tenant); the one live key otherwise."""
        if self.is_live:
            return self.api_key
        if self._keys is None:
            self._keys = iter(self.spare_keys)
        try:
            return str(next(self._keys))
        except StopIteration:
            raise RuntimeError(f"all {KEY_POOL_SIZE} mock keys used; raise KEY_POOL_SIZE") from None

    def client(self, key: str | None = None) -> Client:
        return Client(self.base_url, key if key is not None else self.api_key, requests.Session())

    def scope(self) -> Scope:
        return Scope.new(self.is_live, self.run_id)

    @property
    def run_tag(self) -> dict[str, str]:
        return {RUN_TAG: self.run_id}


_counter = itertools.count()
