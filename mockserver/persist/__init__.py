"""Durable state: the store's changes committed to a SQLite file, and restored from it at start-up."""

from .database import Database, DatabaseWriteFailed
from .schema import FORMAT_VERSION, DatabaseUnusable

__all__ = ["FORMAT_VERSION", "Database", "DatabaseUnusable", "DatabaseWriteFailed"]
