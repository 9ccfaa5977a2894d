"""What the database says about a transaction it undid: whether a client is meant to retry it."""

from __future__ import annotations

# PostgreSQL's "transaction rollback" states a client is meant to retry: serialization failure,
# deadlock detected.
ROLLED_BACK = frozenset({"40001", "40P01"})


def rolled_back(exc: BaseException) -> str | None:
    """The SQLSTATE when the database rolled the transaction back for a retry, else None (the
    driver's error is the cause of the store's)."""
    seen: BaseException | None = exc
    while seen is not None:
        state = getattr(seen, "sqlstate", None)
        if state in ROLLED_BACK:
            return str(state)
        seen = seen.__cause__
    return None
