"""Domain errors the applications raise; the API (services/api/http.py) maps each kind to HTTP once."""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    """Something a person asked for cannot be done; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """No such thing, or not visible to the caller (its existence is not revealed)."""


class Conflict(DomainError):
    """The thing exists but its state does not allow this (e.g. acknowledging a closed referral)."""


class FieldError(DomainError, ValueError):
    """One input field is wrong; `where` is `body` or `query`, as in FastAPI's error locations."""

    def __init__(self, field: str, message: str, *, where: str = "body", kind: str = "value_error"):
        super().__init__(message)
        self.field = field
        self.where = where
        self.kind = kind  # the 422's `type`

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


# What a malformed id was meant to name, for the refusal's message.
WHAT_TEXT = {"referral": "转介", "case": "案件", "report": "报告", "callback": "回访"}


def parse_id(text: str | UUID, what: str) -> UUID:
    """An id from a path; a malformed one is simply not found."""
    if isinstance(text, UUID):
        return text
    try:
        return UUID(text)
    except ValueError:
        raise NotFound(f"没有这个{WHAT_TEXT.get(what, what)}。") from None
