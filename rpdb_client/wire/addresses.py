"""What an address means to the client: where to connect, and whether it is this machine.

Owns how an address and port are written (``[::1]:4444`` for IPv6, as in a URL), and the two
questions asked of an address before a connection: which address reaches a
listener bound to a wildcard, and whether a peer is on this machine (where the kernel and
``/proc`` can tell who is behind a port, docs/protocol.md section 5). Pure functions of the
address; standard library only.
"""

from __future__ import annotations

import ipaddress


def connect_address(address: str) -> str:
    """Where to connect for a listener bound to ``address`` (a wildcard means loopback)."""
    if address in ("0.0.0.0", ""):
        return "127.0.0.1"
    if address == "::":
        return "::1"
    return address


def is_local(host: str) -> bool:
    """True for loopback addresses and names (where /proc can tell who is behind a port)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_port(host: str, port: object) -> str:
    """``127.0.0.1:4444``, or ``[::1]:4444`` for an IPv6 address (``::1:4444`` is ambiguous)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
