"""Shared pydantic settings for request bodies."""

from __future__ import annotations

from pydantic import ConfigDict

# Unknown fields are refused (a typo is an error, not silently ignored); text is trimmed.
Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)
