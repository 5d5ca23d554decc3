"""The errors mock's domain store: pure, synchronous, framework-free state and queries."""

from .clock import Clock, ManualClock, SystemClock
from .cursors import Page
from .documents import EncodedDocument, EncodedText
from .errors import DomainError, InvalidInput, NotFound, TooManyTenants
from .grouping import compute_fingerprint
from .ids import IdFactory
from .normalize import normalize_message
from .retention import KEEP, Keep
from .store import Store
from .tenant import Tenant

__all__ = [
    "KEEP",
    "Clock",
    "DomainError",
    "EncodedDocument",
    "EncodedText",
    "IdFactory",
    "InvalidInput",
    "Keep",
    "ManualClock",
    "NotFound",
    "Page",
    "Store",
    "SystemClock",
    "Tenant",
    "TooManyTenants",
    "compute_fingerprint",
    "normalize_message",
]
