"""The per-level time settings: acknowledgement SLAs and follow-up visit clocks, parsed with an
error that names the variable and the entry."""

from __future__ import annotations

from datetime import UTC, datetime

from services.common.vocabulary import RISK_LEVELS

DEFAULT_ACK_SLA = "red=900,orange=7200,yellow=86400,blue=259200"
# Follow-up visits (contract §6): the first within hours of the case opening, then every so many days.
DEFAULT_FIRST_VISIT_HOURS = "red=24,orange=72,yellow=168,blue=720"
DEFAULT_VISIT_INTERVAL_DAYS = "red=3,orange=7,yellow=30,blue=90"


def parse_per_level(text: str, variable: str, unit: str) -> dict[str, float]:
    """'red=24,orange=72,...' into a positive number (decimals allowed) per risk level; a clear
    error naming the entry and the variable otherwise."""
    result: dict[str, float] = {}
    for part in text.split(","):
        level, sep, amount = part.strip().partition("=")
        try:
            value = float(amount) if sep else -1.0
        except ValueError:
            value = -1.0
        if level not in RISK_LEVELS or not value > 0 or value == float("inf"):
            raise ValueError(f"{variable} entry {part.strip()!r} must look like 'red=24' with a level "
                             f"in {RISK_LEVELS} and a positive number of {unit} (decimals allowed)")
        result[level] = value
    missing = [level for level in RISK_LEVELS if level not in result]
    if missing:
        raise ValueError(f"{variable} lacks levels: {', '.join(missing)}")
    return result


def parse_visit_clock(first_visit_hours: str, visit_interval_days: str
                      ) -> tuple[dict[str, float], dict[str, float]]:
    """(first visit hours, visit interval days) per risk level."""
    return (parse_per_level(first_visit_hours, "HOTLINE_FIRST_VISIT_HOURS", "hours"),
            parse_per_level(visit_interval_days, "HOTLINE_VISIT_INTERVAL_DAYS", "days"))


def parse_ack_sla(text: str) -> dict[str, int]:
    """Parse 'red=900,orange=7200,...' into seconds per risk level."""
    result: dict[str, int] = {}
    for part in text.split(","):
        level, sep, seconds = part.strip().partition("=")
        if not sep or level not in RISK_LEVELS or not seconds.isdigit() or int(seconds) <= 0:
            raise ValueError(
                f"HOTLINE_ACK_SLA_SECONDS entry {part!r} must look like 'red=900' "
                f"with a level in {RISK_LEVELS} and a positive whole number of seconds"
            )
        result[level] = int(seconds)
    missing = [level for level in RISK_LEVELS if level not in result]
    if missing:
        raise ValueError(f"HOTLINE_ACK_SLA_SECONDS lacks levels: {', '.join(missing)}")
    return result


def now() -> datetime:
    """The clock seam: what time rules that read "now" ask (tests move it, e.g. past the 30 days
    a closed plan's findings stay readable); always `clocks.now()`, never imported by name."""
    return datetime.now(UTC)
