"""The failure a contract check raises: what we assumed, what the service did, and which inferred decision.

Kept free of heavy imports: the root conftest's plugin reads it for every test run.
"""

from __future__ import annotations


class ContractMismatch(AssertionError):
    """The service did something other than what the spec (or our reading of it) says."""

    def __init__(self, operation: str, assumed: str, observed: str, inferred: str | None = None) -> None:
        self.operation = operation
        self.assumed = assumed
        self.observed = observed
        self.inferred = inferred
        tag = f" [inferred: {inferred}]" if inferred else ""
        super().__init__(f"{operation}: expected {assumed}; got {observed}{tag}")
