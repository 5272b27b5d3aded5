"""Peers that do not speak pdb's line protocol, told apart by their first bytes.

Owns recognising pudb and other telnet servers (docs/protocol.md section 1) before anything is
sent to them. Standard library only.
"""

from __future__ import annotations

from typing import Optional

PUDB_GREETING = b"\xff\xfb\x03"
"""pudb's telnet negotiation (IAC WILL SUPPRESS-GO-AHEAD): it waits for exactly IAC DO SGA."""


def identify_foreign_peer(first_bytes: bytes) -> Optional[str]:
    """Name the server when its first bytes show it does not speak pdb's line protocol."""
    if first_bytes.startswith(b"\xff"):
        if PUDB_GREETING.startswith(first_bytes[:3]):
            return "pudb"
        return "a telnet server"
    return None
