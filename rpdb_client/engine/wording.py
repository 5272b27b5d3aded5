"""The client's own words about how a session ended and why a connection failed.

Owns the sentences shared by both front ends, so that line mode and the REPL explain the same
outcome the same way. Standard library only.
"""

from __future__ import annotations

import time
from typing import Optional

from rpdb_client.engine.session import Ending, Session, SessionEnd
from rpdb_client.host import WorkerTimeout

REFUSED_HINT = (
    "Is set_trace() reached yet? Use --wait to wait for it. remote-pdb picks a random port "
    "unless REMOTE_PDB_PORT is set (see --list); rpdb skips the breakpoint when its port is busy."
)

LOST_HINT = (
    "The debugged program was probably killed or exited. In a web worker the usual cause is "
    "a server timeout: uWSGI's harakiri or gunicorn's --timeout (raise it while debugging)."
)


_RAISE = {
    "harakiri": "raise it while debugging (harakiri = 3600 in the uWSGI config)",
    "gunicorn-timeout": "raise it while debugging (gunicorn --timeout 3600)",
    "given": "raise the server's limit while debugging",
}
_NAMES = {"harakiri": "uWSGI's harakiri", "gunicorn-timeout": "gunicorn's worker timeout"}


def timeout_warning(timeout: WorkerTimeout, share: float) -> str:
    """The warning at ``share`` (0.5, 0.8) of a worker's limit."""
    name = _NAMES.get(timeout.kind, "the server's time limit")
    left = timeout.seconds * (1 - share)
    return (
        f"{share:.0%} of {name} ({timeout.seconds:g} s, from {timeout.source}) has passed since "
        f"this session began, more since the request did: the worker is killed in {left:.0f} s "
        "at most. Finish with c, or " + _RAISE[timeout.kind] + "."
    )


def describe_end(end: SessionEnd, session: Optional[Session] = None) -> str:
    """One or two sentences saying how a session ended (with the likely cause of a loss)."""
    if end.ending is Ending.LOST and session is not None:
        cause = _loss_cause(session)
        if cause:
            return f"connection lost: {end.detail}.\n{cause}"
    return _describe(end)


def _loss_cause(session: Session) -> str:
    timeout = session.identity.timeout if session.identity else None
    if timeout is None:
        return ""
    elapsed = time.monotonic() - session.connected_at
    name = _NAMES.get(timeout.kind, "the server's time limit")
    # Counted from the connection, the elapsed time is only a lower bound of the request's
    # (which began before set_trace() ran): past half the limit, the limit is the best guess.
    likely = "the likely cause" if elapsed >= timeout.seconds * 0.5 else "a possible cause"
    return (
        f"The worker was probably killed: {name} ({timeout.seconds:g} s, from {timeout.source}) "
        f"is {likely}; this session lasted {elapsed:.0f} s. To debug at leisure, "
        + _RAISE[timeout.kind]
        + ", and raise the proxy's read timeout too (nginx: uwsgi_read_timeout, "
        "proxy_read_timeout)."
    )


def _describe(end: SessionEnd) -> str:
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
