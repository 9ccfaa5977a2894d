"""The CloudEvents envelope of a stored event, the same for every service's translator."""

from __future__ import annotations

from typing import Any

from services.common.messages import Message


def envelope(app: str, domain_event: Any, ce_type: str, data: dict[str, Any], *,
             key: str | None = None) -> Message:
    """`ce_id` is `<app>/<aggregate id>/<version>` (stable when a relay republishes), `ce_source`
    `/hotline/<app>`, `ce_time` the event's; the key is the aggregate's id unless given."""
    originator = str(domain_event.originator_id)
    return Message(id=f"{app}/{originator}/{domain_event.originator_version}", source=f"/hotline/{app}",
                   type=ce_type, time=domain_event.timestamp, key=originator if key is None else key,
                   data=data)
