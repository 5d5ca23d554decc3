"""Example budgets of the contract suite per Hypothesis profile (see the profiles in the root conftest.py).

Schemathesis's coverage phase is a fixed set of cases per operation; `schema_examples` only bounds the fuzzing
phase. The `ci` numbers keep `pytest contract_tests` against the mock under ~3 minutes on 2 cores.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import settings


@dataclass(frozen=True)
class Budget:
    schema_examples: int  # fuzzing examples per operation (test_schema)
    stateful_examples: int  # schemathesis link-driven scenarios (test_stateful)
    stateful_steps: int
    model_examples: int  # reference-model scenarios (test_model)
    model_steps: int
    cursor_examples: int  # real-cursor walks (test_schema::test_real_cursors)


BUDGETS = {
    "dev": Budget(25, 40, 12, 40, 30, 10),
    "ci": Budget(80, 120, 20, 150, 40, 15),
    "thorough": Budget(300, 400, 25, 500, 60, 100),
    "mutants": Budget(10, 20, 10, 30, 30, 5),
}


def current() -> Budget:
    """Return the budget of the active Hypothesis profile (`dev` for unknown profiles)."""
    return BUDGETS.get(settings.get_current_profile_name(), BUDGETS["dev"])
