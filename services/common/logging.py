"""structlog configuration: one JSON line per event; personal data redacted after formatting,
exception messages withheld (they can quote what a caller sent), stdlib logs alike."""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import MutableMapping
from types import TracebackType
from typing import Any

import structlog

# Keys whose values are personal data and must never reach a log line.
PII_KEYS = frozenset(
    {"name", "phone", "id_number", "address", "narrative", "reporter", "children", "pii",
     "password", "lookup_code", "authorization", "data_key", "input", "body", "form"}
)
_PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Identifiers pass verbatim (a referral is traced through every process's log by its id): uuids
# with or without dashes, request ids (16 hex) and receipt numbers (date, dash, 10 Crockford
# characters). Only the text between them is scrubbed.
_IDENTIFIER = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-f]{32}|[0-9a-f]{16}|\d{8}-[0-9A-HJKMNP-TV-Z]{10})(?![0-9A-Za-z])")
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _scrub_text(text: str) -> str:
    return _ID_NUMBER.sub("[id]", _PHONE.sub("[phone]", text))


def scrub_text(text: str) -> str:
    """Phone and id numbers replaced by a marker; identifiers left whole."""
    out, at = [], 0
    for found in _IDENTIFIER.finditer(text):
        out += [_scrub_text(text[at:found.start()]), found.group()]
        at = found.end()
    out.append(_scrub_text(text[at:]))
    return "".join(out)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: "[redacted]" if str(k).lower() in PII_KEYS else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace personal values by a marker; scrub phone and id numbers from all text, nested
    values and formatted exceptions included (so it runs after every formatting step)."""
    for key in list(event_dict):
        if key.lower() in PII_KEYS:
            event_dict[key] = "[redacted]"
        else:
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


def describe_exception(exc_info: ExcInfo) -> str:
    """Exception types and where they were raised, never their messages."""
    parts, seen = [], set()
    exc: BaseException | None = exc_info[1]
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames = traceback.extract_tb(exc.__traceback__)
        where = "; ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in frames[-12:])
        parts.append(f"{type(exc).__module__}.{type(exc).__qualname__} at {where}")
        exc = exc.__cause__ or exc.__context__
    return " <- ".join(parts) + " (messages withheld: they may quote personal data)"


def safe_exc_info(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    exc_info = event_dict.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if isinstance(exc_info, tuple) and exc_info[0] is not None:
        event_dict["exception"] = describe_exception(exc_info)
    return event_dict


class _Stderr:
    """Whatever sys.stderr is at write time (it is swapped by test runners and daemons)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO") -> None:
    """JSON logs on stderr for services; stdlib loggers (uvicorn, kafka) take the same path."""
    shared: list[Any] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        safe_exc_info,
        redact,
    ]
    handler = logging.StreamHandler(_Stderr())  # type: ignore[arg-type]
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        keep_exc_info=False, keep_stack_info=False,
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("kafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, *shared,
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # One write per line (PrintLogger writes the line and its newline apart): several
        # processes appending to one log file never interleave inside a line.
        logger_factory=structlog.WriteLoggerFactory(file=_Stderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
