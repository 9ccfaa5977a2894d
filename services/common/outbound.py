"""Webhooks cannot reach inside (contract §10): a webhook's host that is, or resolves to, a
loopback, private, link-local, shared (100.64/10), multicast, unspecified or reserved address —
also written as IPv4-mapped, 6to4, NAT64 or IPv4-compatible IPv6 — is refused, unless it lies in
HOTLINE_WEBHOOK_ALLOWED_NETWORKS. Checked when a URL is set and again at every attempt, on the
addresses the attempt then connects to (no DNS rebinding in between)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from services.common.networks import Network, parse_networks

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port → the addresses it stands for (the system's getaddrinfo; tests pass their own).
Resolver = Callable[[str, int], Sequence[str]]

ALLOWED_VARIABLE = "HOTLINE_WEBHOOK_ALLOWED_NETWORKS"
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: is_private says no
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPATIBLE = ipaddress.ip_network("::/96")  # the deprecated IPv4-compatible form


class AddressRefused(ValueError):
    """The webhook's host is or resolves to an address inside (the message names no address)."""


def parse_allowed(text: str) -> tuple[Network, ...]:
    """'127.0.0.0/8, ::1/128' → networks; a bad entry is an error naming the variable."""
    return parse_networks(text, ALLOWED_VARIABLE)


def _forms(address: IP) -> list[IP]:
    """The address and the IPv4 address an IPv6 one carries, if any."""
    forms: list[IP] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            forms.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            forms.append(address.sixtofour)
        if address in _NAT64 or (address in _COMPATIBLE and int(address) > 1):
            forms.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return forms


def inside(address: IP) -> bool:
    """Whether any form of the address is not a public unicast one."""
    return any(a.is_loopback or a.is_private or a.is_link_local or a.is_multicast or a.is_unspecified
               or a.is_reserved or a in _SHARED or not a.is_global for a in _forms(address))


def system_resolver(host: str, port: int) -> list[str]:
    return list(dict.fromkeys(str(info[4][0]) for info in
                              socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


@dataclass(frozen=True)
class Target:
    """Where one attempt goes: the URL's host name (for Host and TLS SNI) and the vetted addresses."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class AddressGuard:
    """The address rule with the deployment's allowed networks and a resolver."""

    allowed: tuple[Network, ...] = ()
    resolve: Resolver = system_resolver

    def permitted(self, address: IP) -> bool:
        return not inside(address) or any(a in net for a in _forms(address) for net in self.allowed)

    def target(self, url: str) -> Target:
        """Resolve the URL's host and check every address: AddressRefused if any is inside;
        a name that does not resolve raises the resolver's OSError (socket.gaierror)."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            literal: IP | None = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            literal = None
        found = [str(literal)] if literal else list(self.resolve(host, port))
        if not found:
            raise socket.gaierror("no address")
        for text in found:
            if not self.permitted(ipaddress.ip_address(text.split("%")[0])):
                raise AddressRefused(
                    "the webhook's host is or resolves to a loopback, private, link-local, shared, "
                    f"multicast, unspecified or reserved address (allow a network with {ALLOWED_VARIABLE})")
        return Target(parts.scheme, host, port, tuple(found))

    def check(self, url: str) -> None:
        """When a URL is set: refused if its host is or resolves inside; a name that does not
        resolve now is accepted (the resolver may differ where the notifier runs; every attempt
        checks again)."""
        try:
            self.target(url)
        except AddressRefused:
            raise
        except (OSError, UnicodeError, ValueError):
            return
