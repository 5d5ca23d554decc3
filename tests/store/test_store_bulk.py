"""Bulk status changes leave groups already in the wanted state alone, and change every other one."""

from __future__ import annotations

import itertools

import pytest
from store_helpers import capture

from mockserver.store import Tenant
from mockserver.store.lifecycle import STATUSES, apply_status, settled
from mockserver.store.model import Group

SUBSTATUSES = (None, "new", "ongoing", "regressed", "archived_forever")


COMBINATIONS = list(itertools.product(STATUSES, STATUSES, SUBSTATUSES))


@pytest.mark.parametrize(("target", "status", "substatus"), COMBINATIONS)
def test_settled_is_true_exactly_when_the_change_would_change_nothing(
    target: str, status: str, substatus: str | None
) -> None:
    """`settled(target)` agrees with applying the change, for every status and substatus a group can hold."""
    group = Group("grp_1", "f", "t", None, status, substatus)
    unchanged = settled(target)(group)
    apply_status(group, target)
    assert unchanged == ((group.status, group.substatus) == (status, substatus))


def test_bulk_actions_bring_every_group_to_the_target_whatever_it_held(tenant: Tenant) -> None:
    """Repeated and mixed bulk actions end with each group in the action's state, reported as succeeded."""
    groups = [
        capture(tenant, f"m {number}", fingerprint=[str(number)])["error_group_id"] for number in range(6)
    ]
    tenant.set_status(groups[0], "resolved")
    tenant.set_status(groups[1], "ignored")
    capture(tenant, "m 0", fingerprint=["0"])  # regresses group 0
    expected = {
        "resolve": ("resolved", None),
        "ignore": ("ignored", "archived_forever"),
        "unresolve": ("unresolved", "ongoing"),
    }
    for action in ("resolve", "resolve", "ignore", "unresolve", "unresolve", "resolve"):
        result = tenant.bulk(groups, action)  # type: ignore[arg-type]
        assert result["succeeded"] == groups
        assert {(doc["status"], doc["substatus"]) for doc in map(tenant.get_group, groups)} == {
            expected[action]
        }
