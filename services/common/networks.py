"""Lists of networks in settings ('10.0.0.1, 192.168.0.0/16'): one parser for every variable."""

from __future__ import annotations

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str, variable: str = "HOTLINE_TRUSTED_PROXIES") -> tuple[Network, ...]:
    """Comma-separated addresses or CIDRs → networks; a bad entry is an error naming the variable."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                out.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{variable} entry {part!r} is not an address or network (CIDR)") from None
    return tuple(out)
