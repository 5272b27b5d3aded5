"""The Python version of the debugged program, learnt by one side query.

Owns :func:`ask_python_version`: what ``interact`` costs depends on the program's Python, not the
client's (docs/protocol.md section 4: before 3.13 the only ways out of ``interact`` end the
program or pdb; from 3.13 ``exit()`` at ``>>>`` returns to pdb). The question goes as a side
query (``Session.query``: only at an idle ``(Pdb)`` prompt, never shown, bounded in time), and
only when the user is about to send ``interact``. Imports the standard library and the engine's
session and frame-name helpers; never prints.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING, Optional

from rpdb_client.engine.frame_names import QUERY_DEADLINE, parse_answer, unrelated_text

if TYPE_CHECKING:
    from rpdb_client.engine.session import Session

__all__ = ["ask_python_version", "build_version_query", "parse_version_reply"]


def build_version_query(marker: str) -> str:
    """The pdb line that prints ``(marker, (major, minor))`` as one ``repr`` line."""
    if not marker.isalnum():
        raise ValueError(f"marker must be letters and digits: {marker!r}")
    return f"p ('{marker}', __import__('sys').version_info[:2])"


def parse_version_reply(text: str, marker: str) -> Optional[tuple[int, int]]:
    """``(3, 13)`` from the query's reply, or None when the reply is not the expected answer."""
    version = parse_answer(text, marker)
    if isinstance(version, tuple) and len(version) == 2 and all(type(n) is int for n in version):
        return (version[0], version[1])
    return None


async def ask_python_version(
    session: Session, deadline: float = QUERY_DEADLINE
) -> Optional[tuple[int, int]]:
    """The program's ``sys.version_info[:2]``; None when it cannot be asked now (not idle at
    ``(Pdb)``), or no answer came in time (the reply is then read and dropped by the session)."""
    marker = "rpdbconnect" + secrets.token_hex(8)
    reply = session.query(build_version_query(marker))
    if reply is None:
        return None
    try:
        text = await asyncio.wait_for(asyncio.shield(reply), deadline)
    except asyncio.TimeoutError:
        return None
    others = unrelated_text(text, marker)
    if others:
        session.show(others)  # another thread's print that came with the answer
    return parse_version_reply(text, marker)
