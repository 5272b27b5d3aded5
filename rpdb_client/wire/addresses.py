"""What an address means to the client: where to connect, and whether it is this machine.

Owns how an address and port are written (``[::1]:4444`` for IPv6, as in a URL), and the two
questions asked of an address before a connection: which address reaches a
listener bound to a wildcard, and whether a peer is on this machine (where the kernel and
``/proc`` can tell who is behind a port, docs/protocol.md section 5). Every spelling of
loopback is this machine: ``localhost`` (and ``*.localhost``, RFC 6761), 127.0.0.0/8, ``::1``,
the IPv4-mapped ``::ffff:127.x.x.x``, and a name that resolves to loopback addresses only; a
spelling missed here would skip the owner check. Standard library only.
"""

from __future__ import annotations

import ipaddress
from typing import Optional


def connect_address(address: str) -> str:
    """Where to connect for a listener bound to ``address`` (a wildcard means loopback)."""
    if address in ("0.0.0.0", ""):
        return "127.0.0.1"
    if address == "::":
        return "::1"
    return address


def is_local(host: str) -> bool:
    """True for every spelling of a loopback address, and for a name resolving only to one."""
    name = host.strip().rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _loopback(name.strip("[]"))
    if address is not None:
        return address
    try:
        import socket  # here: the session machine's wording writes addresses, with no socket

        found = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    return bool(found) and all(_loopback(str(entry[4][0])) for entry in found)


def _loopback(text: str) -> Optional[bool]:
    """Whether an address is loopback; None when ``text`` is not an address (a name)."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def host_port(host: str, port: object) -> str:
    """``127.0.0.1:4444``, or ``[::1]:4444`` for an IPv6 address (``::1:4444`` is ambiguous)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
