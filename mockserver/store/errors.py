"""Domain errors the HTTP layer maps to responses."""

from __future__ import annotations

from typing import Any

__all__ = ["DomainError", "InvalidInput", "NotFound", "TooManyTenants"]


class DomainError(Exception):
    """A store failure with a stable machine-readable code and JSON-ready details."""

    code: str = "INTERNAL"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details if details is not None else {}


class NotFound(DomainError):
    """The named resource does not exist in this tenant (or no longer does)."""

    code = "NOT_FOUND"

    def __init__(self, resource: str, resource_id: str) -> None:
        label = resource.replace("_", " ")
        super().__init__(f"{label} {resource_id!r} not found", {"resource": resource, "id": resource_id})
        self.resource = resource
        self.resource_id = resource_id


class InvalidInput(DomainError):
    """A request value breaks a rule; ``details`` names the field and the rule."""

    code = "INVALID_REQUEST"

    def __init__(self, field: str, rule: str, explanation: str) -> None:
        super().__init__(f"{field}: {explanation} (rule: {rule})", {"field": field, "rule": rule})
        self.field = field
        self.rule = rule


class TooManyTenants(DomainError):
    """A new API key arrived while the store holds its maximum of tenants, none of them droppable."""

    code = "RATE_LIMITED"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"this server holds its maximum of {limit} tenants (API keys) with data; "
            "reset it (POST /__admin/reset) or start it with a larger --max-tenants",
            {"limit": limit},
        )
