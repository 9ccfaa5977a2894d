"""Who the client is and whether it came over HTTPS: forwarded headers count only when they
come from a proxy listed in HOTLINE_TRUSTED_PROXIES (default: none)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from services.common.networks import Network


@dataclass(frozen=True)
class Proxies:
    trusted: tuple[Network, ...] = ()

    def _is_trusted(self, host: str | None) -> bool:
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in net for net in self.trusted)

    def client(self, request: Any) -> str:
        """The nearest address not ours: walk X-Forwarded-For from the right past trusted hops."""
        peer = request.client.host if request.client else "unknown"
        if not self._is_trusted(peer):
            return peer  # type: ignore[no-any-return]
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop
        return hops[0] if hops else peer  # type: ignore[no-any-return]

    def https(self, request: Any) -> bool:
        peer = request.client.host if request.client else None
        if self._is_trusted(peer):
            proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
            if proto:
                return proto == "https"
        return bool(request.url.scheme == "https")


def proxies_of(request: Any) -> Proxies:
    return getattr(request.app.state, "proxies", Proxies())  # type: ignore[no-any-return]


def client_address(request: Any) -> str:
    return proxies_of(request).client(request)


def is_https(request: Any) -> bool:
    return proxies_of(request).https(request)
