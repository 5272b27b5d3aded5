"""The client's own words about how a session ended and why a connection failed.

Owns the sentences shared by both front ends, so that line mode and the REPL explain the same
outcome the same way. Standard library only.
"""

from __future__ import annotations

from rpdb_client.session import Ending, SessionEnd

REFUSED_HINT = (
    "Is set_trace() reached yet? Use --wait to wait for it. remote-pdb picks a random port "
    "unless REMOTE_PDB_PORT is set (see --list); rpdb skips the breakpoint when its port is busy."
)

LOST_HINT = (
    "The debugged program was probably killed or exited. In a web worker the usual cause is "
    "a server timeout: uWSGI's harakiri or gunicorn's --timeout (raise it while debugging)."
)


def describe_end(end: SessionEnd) -> str:
    """One or two sentences saying how a session ended."""
    detail = f": {end.detail}" if end.detail else ""
    if end.ending is Ending.CONTINUED:
        return "session ended: the program continued"
    if end.ending is Ending.QUIT:
        return "session ended by quit"
    if end.ending is Ending.DETACHED:
        return f"detached, but {end.detail}" if end.detail else "detached: the program continues"
    if end.ending is Ending.NOT_PDB:
        return f"not a pdb{detail}"
    return f"connection lost{detail}.\n{LOST_HINT}"
