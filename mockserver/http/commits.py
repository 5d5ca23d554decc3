"""Group commit: every answer waits until the changes it may show are in the database file.

Requests answered in the same turn of the event loop share one commit, run as soon as the loop
is free (`call_soon`), under the state lock. A request whose handler changed the store, or that
read a store with changes still to be committed, awaits that commit before its answer leaves, so
no client is ever told of a change a crash could still lose. Each request's changes are inside one
transaction, alone or with its neighbours', so none is ever half written.
"""

from __future__ import annotations

import asyncio

from ..control.state import ServerState
from ..store import DomainError

__all__ = ["GroupCommit"]


class GroupCommit:
    """Batches the database commits of one server's requests, one batch per loop turn."""

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self._waiting: asyncio.Future[None] | None = None

    async def settle(self) -> DomainError | None:
        """Return once everything changed so far is committed: None, or the error that stopped the write."""
        database = self._state.database
        if database is None:
            return None
        waiting = self._waiting
        if waiting is None:
            if not database.dirty:
                return None
            loop = asyncio.get_running_loop()
            waiting = self._waiting = loop.create_future()
            # Retrieved here as well, so a batch whose waiters all hung up logs no "never retrieved".
            waiting.add_done_callback(lambda done: done.cancelled() or done.exception())
            loop.call_soon(self._flush)
        try:
            # Shielded: one waiter's cancellation (its client hung up) must not cancel the others'.
            await asyncio.shield(waiting)
        except DomainError as failure:  # DatabaseWriteFailed
            return failure
        return None

    def _flush(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is None:
            return
        try:
            with self._state.lock:
                self._state.commit()
        except Exception as exc:  # DatabaseWriteFailed: every waiter answers 500
            waiting.set_exception(exc)
        else:
            waiting.set_result(None)
