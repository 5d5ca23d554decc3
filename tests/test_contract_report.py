"""Which live failures the contract suite files as divergences from inferred decisions."""

from __future__ import annotations

import pytest

from contract_tests.mismatch import ContractMismatch
from contract_tests.plugin import is_divergence


def _failure(exc: BaseException) -> pytest.CallInfo[None]:
    def fail() -> None:
        raise exc

    return pytest.CallInfo.from_call(fail, when="call")


class TestIsDivergence:
    def test_a_failed_expectation_is_a_divergence(self) -> None:
        """The service answering another documented shape is a divergence."""
        assert is_divergence(_failure(ContractMismatch("errors_delete", "HTTP 200", "HTTP 204: ")))

    def test_a_server_error_is_a_plain_failure(self) -> None:
        """A 5xx is never explained by one of our assumptions."""
        assert not is_divergence(_failure(ContractMismatch("errors_get", "HTTP 200", "HTTP 503: down")))

    def test_an_error_is_a_plain_failure(self) -> None:
        """A test bug or a dead connection is not a divergence."""
        assert not is_divergence(_failure(ConnectionError("reset")))

    def test_a_group_counts_only_if_every_leaf_qualifies(self) -> None:
        """One 5xx inside an exception group makes the whole failure plain."""
        group = ExceptionGroup(
            "two",
            [ContractMismatch("a", "x", "HTTP 200: y"), ContractMismatch("b", "HTTP 200", "HTTP 500: z")],
        )
        assert not is_divergence(_failure(group))
        assert is_divergence(_failure(ExceptionGroup("one", [AssertionError("count 2 != 3")])))
