"""The client's own words: every sentence the front ends show the user, in one place.

Owns what line mode (:mod:`rpdb_client.line_mode`) and the REPL (:mod:`rpdb_client.terminal`) say
about the run: waiting, connecting, how a session ended and why a connection failed, the worker's
time limit, the transcript, and the REPL's own notices (keys, questions, ``:`` commands). Both
front ends take their sentences from here, so they say the same thing the same way. What pdb's
commands do and what the client asks before a risky one are the vocabulary's
(:mod:`rpdb_client.vocabulary.commands`), next to the commands they describe.

Standard library only, and the engine's session types.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Optional

from rpdb_client.engine.session_actions import Ending, SessionEnd

if TYPE_CHECKING:  # the session machine says things too: it must not load sockets through here
    from rpdb_client.engine.session import Session
    from rpdb_client.host import WorkerTimeout

# -- sessions, in both front ends ------------------------------------------------------------

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


def address(host: str, port: int) -> str:
    """``127.0.0.1:4444``, or ``[::1]:4444`` for an IPv6 address."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def peer(session: Session) -> str:
    """The other end of a session, and its process when known: ``127.0.0.1:4444 pid 11851 (x)``."""
    who = session.identity.describe() if session.identity else ""
    return address(*session.connection.peer) + (f" {who}" if who else "")


def connected(session: Session, number: int, counting: bool) -> str:
    """``connected to 127.0.0.1:4444 (session 2): pid 11851 (uwsgi worker 2), same process``."""
    label = f" (session {number})" if counting else ""
    who = session.identity.describe() if session.identity else ""
    return f"connected to {address(*session.connection.peer)}{label}" + (f": {who}" if who else "")


def waiting(target: str, sessions_done: int, keys: str) -> str:
    """Waiting for a listener (``--wait``); ``keys`` are the ones that stop waiting."""
    again = " again" if sessions_done else ""
    return f"waiting{again} for a debugger on {target} ({keys} to stop)"


def cleared_before_continue(numbers: list[int]) -> str:
    """A ``c`` on a server that closes on ``c``: the session's breakpoints are cleared first."""
    listed = ", ".join(map(str, numbers))
    return (
        f"clearing breakpoint(s) {listed} before c: this debugger closes the connection on c, "
        "and a breakpoint hit with nobody connected kills the program (BrokenPipeError). "
        "Set them again in the next session (--wait) if you need them"
    )


def lines_not_sent(count: int) -> str:
    """Lines queued for a prompt that never came."""
    return f"{count} line(s) not sent: the session ended first"


def cannot_log(path: str, error: OSError) -> str:
    return f"cannot write the transcript {path}: {error.strerror or error}; going on without it"


def logging_to(path: str) -> str:
    return f"logging to {path}"


def stopped_logging(path: str, error: Optional[OSError] = None) -> str:
    return f"stopped logging to {path}" + (f": {error}" if error is not None else "")


def refused_line(error: Exception, line: str) -> str:
    """A line the connection would not send (a control character, ``--ascii``...)."""
    return f"{error}: {line!r}"


def not_utf8(line_number: int) -> str:
    return f"line {line_number} of standard input is not UTF-8; not sent"


# -- the REPL's history file -----------------------------------------------------------------

HISTORY_IN_MEMORY = "; this run keeps its history in memory only"


def cannot_write_history(path: object, reason: str) -> str:
    return f"cannot write the history file {path}: {reason}"


def cannot_read_history(path: object, reason: str) -> str:
    return f"cannot read the history file {path}: {reason}"


def not_a_history(path: object, why: object) -> str:
    return f"the history file {path} is not a history file ({why}); left as is"


# -- the REPL's keys and questions -----------------------------------------------------------

KEYS_HELP = (
    "Keys: Enter on an empty line repeats the last command; Ctrl-C clears the line; "
    "Ctrl-D or :quit leaves safely; F2 or :python toggles Python mode; Ctrl-R searches history."
)
CTRL_C_AT_PROMPT = "Ctrl-C clears the line; Ctrl-D or :quit leaves safely"
CTRL_C_WHILE_RUNNING = (
    "the program is running: a remote pdb cannot be interrupted over this connection (it only "
    "reads at its prompt). Ctrl-C again within 2 s leaves safely: c at the next prompt, then exit."
)
LEAVING_SAFELY = "leaving safely: c at the next prompt, then exit"
STOPPED_WAITING = "stopped waiting"
DUMB_TERMINAL = "TERM is dumb: plain line mode (end of input detaches safely)"
PYTHON_MODE_ON = (
    "Python mode: a block runs in the frame as one ! statement; Enter on a blank line (or Esc "
    "Enter) sends it; F2 or :python leaves"
)
DECLINED = "not sent"


def answer_first(count: int) -> str:
    """A paste stopped at a question: the rest of its lines wait for the answer."""
    return f"{count} more pasted line(s) not sent: answer first"


def not_sent(why: object) -> str:
    return f"not sent: {why}"


# -- the REPL's : commands -------------------------------------------------------------------

NO_SESSION = "no session"
SESSION_ENDING = "the session is ending"
NO_SESSION_TO_DETACH = "no session to detach from"
DETACH_WHEN_IDLE = "detaching at the next prompt (the debugger is busy)"
SENT_WITHOUT_PROMPT = "sent without waiting for a prompt"
LOG_USAGE = "usage: :log FILE (and :log alone stops logging)"
ASCII_USAGE = "usage: :ascii on, :ascii off, or :ascii alone to see which"
ASCII_STATE = {
    True: "ascii on: non-ASCII characters are sent as escapes inside string literals (--ascii)",
    False: "ascii off: lines are sent as typed, in UTF-8",
}


def unknown_client_command(word: str) -> str:
    return f"unknown client command {word}; :help lists them"


def switched(name: str, on: bool) -> str:
    """``bell on``, ``bell off``."""
    return f"{name} {'on' if on else 'off'}"
