"""The client's own words: every sentence the front ends show the user, in one place.

Owns what line mode and the REPL say about the run (waiting, connecting, how a session ended and
why, the worker's time limit, the transcript, the REPL's notices), so that both say it the same
way; what the client asks before a risky command is the vocabulary's, beside the command. Loads
neither the session's driver nor the host's sockets at run time: the session machine speaks too.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Optional

from rpdb_client.engine.repl_wording import *  # noqa: F403 (the REPL's own sentences, re-exported)
from rpdb_client.engine.session_actions import Ending, SessionEnd

if TYPE_CHECKING:  # the session machine says things too: it loads no driver and no socket
    from rpdb_client.engine.identity import Identity
    from rpdb_client.engine.session import Session
    from rpdb_client.host import ProcessInfo, WorkerTimeout
from rpdb_client.wire.addresses import host_port

# -- sessions, in both front ends ------------------------------------------------------------

REFUSED_HINT = (
    "Is set_trace() reached yet? Use --wait to wait for it. remote-pdb picks a random port "
    "unless REMOTE_PDB_PORT is set (see --list); rpdb skips the breakpoint when its port is busy."
)

REMOTE_WARNING = (
    "{host} is not this machine: pdb's traffic is neither authenticated nor encrypted; "
    "prefer an SSH tunnel (ssh -L 4444:127.0.0.1:4444 {host}, then connect to 127.0.0.1)"
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


KNOWN_FAILURES = {
    "ipython-debug": (
        "`debug` crashed the program: rpdb passes `completekey` to IPython's debugger class, "
        "which does not take it (a bug of rpdb with IPython installed). Avoid `debug` there, or "
        "make rpdb use plain pdb (run the program where IPython cannot be imported)."
    ),
    "pdbpp-debug": (
        "pdb++'s `debug` failed (TypeError: it passes `Config` to a class that does not take "
        "it) and pdb++ stopped tracing: the next `n` or `s` let the program run on. Avoid "
        "`debug` with this pdb++."
    ),
}
"""What happened, for a failure the session saw in the server's output (``known_failure``)."""


def describe_end(end: SessionEnd, session: Optional[Session] = None) -> str:
    """One or two sentences saying how a session ended (with the likely cause of a loss)."""
    if end.detail == DECODE_KILLED_DEBUGGER:
        return f"session over: {end.detail}"  # the cause is known: no guess about timeouts
    if end.ending is Ending.QUIT and session is not None and _calls_exit(session.last_sent):
        python = session.server_python
        return _EXIT_CALL[None if python is None else python >= (3, 13)]
    failure = session.known_failure if session is not None else None
    if failure is not None and end.ending is Ending.LOST:
        return f"connection lost: {end.detail}.\n{KNOWN_FAILURES[failure]}"
    if end.ending is Ending.LOST and session is not None:
        cause = _loss_cause(session)
        if cause:
            return f"connection lost: {end.detail}.\n{cause}"
    return _describe(end)


_EXIT_CALL = {
    None: (
        "session ended by exit(): before Python 3.13 pdb reads it as its quit (BdbQuit in the "
        "program); from 3.13 it runs Python's exit(), which closes pdb's input, and the program "
        "fails (ValueError: I/O operation on closed file). To quit, q; to go on, c"
    ),
    False: "session ended by quit (pdb reads exit() as its quit: BdbQuit in the program)",
    True: (
        "session ended by exit(), which on Python 3.13 closes pdb's input: the program fails "
        "(ValueError: I/O operation on closed file); this was not pdb's quit"
    ),
}
"""How a session ended by ``exit()`` at pdb's prompt, by "the server runs Python 3.13 or later"
(None: not known)."""


def _calls_exit(line: str) -> bool:
    return line.replace(" ", "") in ("exit()", "quit()")


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
    if end.ending is Ending.CHANNEL_DROPPED:
        return f"session over: {end.detail}"
    return f"connection lost{detail}.\n{LOST_HINT}"


def address(host: str, port: int) -> str:
    """``127.0.0.1:4444``, or ``[::1]:4444`` for an IPv6 address."""
    return host_port(host, port)


def process(identity: Optional[Identity]) -> str:
    """``pid 11851 (uwsgi worker 2)``, then from the second session on ``same process``, ``new
    process``, or ``seen in session 1`` for one met before (not last time); "" when unknown."""
    if identity is None or identity.process is None:
        return ""
    text = f"pid {identity.process.pid} ({identity.process.label})"
    if identity.seen_in:
        return f"{text}, seen in session {identity.seen_in}"
    if identity.same_as_before is not None:
        text += ", same process" if identity.same_as_before else ", new process"
    return text


def _where(session: Session) -> str:
    """``127.0.0.1:4444``, and ``on staging-1`` for a connection a helper made there."""
    connection = session.connection
    place = f" on {connection.place}" if connection.place else ""
    return address(*connection.peer) + place


def peer(session: Session) -> str:
    """The other end of a session, and its process when known: ``127.0.0.1:4444 pid 11851 (x)``."""
    who = process(session.identity)
    return _where(session) + (f" {who}" if who else "")


def connected(session: Session, number: int, counting: bool) -> str:
    """``connected to 127.0.0.1:4444 (session 2): pid 11851 (uwsgi worker 2), same process``."""
    label = f" (session {number})" if counting else ""
    who = process(session.identity)
    return f"connected to {_where(session)}{label}" + (f": {who}" if who else "")


def channel_dropped(place: str) -> str:
    """Why a session with a worker on another machine ended: the channel, not the debugger."""
    return (
        f"the channel to {place} dropped (ssh ended, or the network). The helper there "
        "leaves the session safely on its own: it clears the breakpoints it saw set and "
        "continues the program"
    )


def reconnecting(place: str) -> str:
    return f"the channel to {place} dropped; opening it again"


# -- who owns the port (the owner check of engine/identity.py) --------------------------------


def listener_owner(port: int, uid: int, process: Optional[ProcessInfo]) -> str:
    """``port 4444 belongs to another user, nobody (uid 65534): pid 812, python3 app.py``."""
    from rpdb_client.host import user_name  # here: the session machine's imports load no socket

    who = f"port {port} belongs to another user, {user_name(uid)} (uid {uid})"
    if process is None:
        return who + ": its process is not readable here"
    return f"{who}: pid {process.pid}, {process.command}"


OWNER_HINT = (
    "Whoever binds a port first receives everything typed there, passwords included. "
    "If you trust that user's program, connect with --trust-owner."
)
OWNER_QUESTION = "Send what you type to that user's program? [y/N] "


STOP_WAITING_KEYS = {"repl": "Ctrl-C or Ctrl-D", "line mode": "Ctrl-C"}
"""The keys that stop waiting, in each front end (the README's scene shows the REPL's)."""


def waiting(target: str, sessions_done: int, keys: str) -> str:
    """Waiting for a listener (``--wait``); ``keys`` are the ones that stop waiting."""
    again = " again" if sessions_done else ""
    return f"waiting{again} for a debugger on {target} ({keys} to stop)"


def block_lines_not_sent(count: int) -> str:
    """Lines of a block whose line pdb failed (a SyntaxError): sent alone they would run."""
    return (
        f"{count} line(s) of that block not sent: pdb failed a line of it, and reads each line "
        "as a statement of its own (F2's Python mode sends a block as one statement)"
    )


def escaping_for_an_ascii_server(why: str) -> str:
    """The process behind the session decodes ASCII: the client escapes, and says so once."""
    return (
        f"the debugged program decodes its input as ASCII ({why}), and one non-ASCII character "
        "would kill it: non-ASCII characters inside string literals are sent as \\u escapes "
        "(as with --ascii; :ascii in the REPL), and other non-ASCII input is refused"
    )


def waiting_to_detach(patience: float) -> str:
    """A signal came while a command runs: the detach waits for pdb's next prompt, bounded."""
    return (
        f"waiting for the debugger's next prompt to detach safely (a command is still running), "
        f"for {patience:g} s at most; press Ctrl-C again to close at once, which raises BdbQuit "
        "in the program"
    )


def detach_overdue(patience: float) -> str:
    """No prompt came within the bound after a signal: the client closes anyway."""
    return (
        f"no prompt came within {patience:g} s: the debugged program is not answering (stopped, "
        "or its command still runs). Closing without the safe detach: if the program ever reads "
        "from its debugger again, it gets BdbQuit"
    )


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


def transcript_name(path: str) -> str:
    return f"the transcript {path}"


def output_failed(what: str, why: str) -> str:
    """The client's own output failed: its problem, not the debugger's."""
    return (
        f"rpdb-connect's own output failed: cannot write {what} ({why}). Detaching safely "
        "(breakpoints cleared, c at the next prompt): the program continues; nothing more is sent"
    )


def output_escaped(encoding: str) -> str:
    return (
        f"standard output cannot encode some characters ({encoding}): they are written as "
        "backslash escapes"
    )


def logging_to(path: str) -> str:
    return f"logging to {path}"


def stopped_logging(path: str, error: Optional[OSError] = None) -> str:
    return f"stopped logging to {path}" + (f": {error}" if error is not None else "")


def refused_line(error: Exception, line: str) -> str:
    """A line the connection would not send (a control character, ``--ascii``...)."""
    return f"{error}: {line!r}"


def not_utf8(line_number: int) -> str:
    return f"line {line_number} of standard input is not UTF-8; not sent"


# -- the session's own words, for engine/session_endings.py and the driver -------------------

DECODE_KILLED_DEBUGGER = (
    "the debugger could not decode the line sent (it reads ASCII: a server started with "
    "LANG=C?) and died with UnicodeDecodeError; the request failed, and this debugger will "
    "never answer again. Next time use --ascii (in the REPL, :ascii on), which escapes non-ASCII "
    "characters inside string literals"
)
"""The detail of the end when pdb's own read died decoding what was sent."""


def unknown_prompt(partial_line: str, leaving: bool) -> str:
    """Said when the output has ended in a partial line for a while and lines wait for a prompt."""
    shown = partial_line[-60:].strip() or partial_line[-60:]
    then = (
        "leaving waits for a prompt; Ctrl-C twice (or a second signal) closes at once, which "
        "the program may take as a quit"
        if leaving
        else "the lines typed wait for a prompt"
    )
    return (
        f"the debugger's output ends in {shown!r}, and nothing came for "
        f"{UNKNOWN_PROMPT_SECONDS:g} s: if that is a prompt the client does not know, pass it "
        f"with --prompt-regex (for example --prompt-regex {_example(shown)!r}); meanwhile {then}"
    )


def _example(shown: str) -> str:
    return re.escape(shown) + " "


UNKNOWN_PROMPT_SECONDS = 2.0
"""How long the output may end in a partial line, with lines waiting, before the client says so."""

ASCII_ADVICE = (
    "the debugger's side encodes and decodes ASCII (a server started with LANG=C?): a "
    "non-ASCII character typed there kills the request. Use --ascii (in the REPL, :ascii), "
    "which escapes such characters inside string literals"
)
"""Said once, when pdb's output shows an ``'ascii' codec`` error (unless ``--ascii`` is on)."""
LEFT_INTERACT = (
    "left from inside interact, where pdb cannot be left safely: the program gets BdbQuit"
)
LEFT_STATEMENT = (
    "left inside an unfinished Python statement, which no line can safely end (pdb's `...` "
    "prompt): the program gets BdbQuit"
)
LEFT_BUSY = (
    "closed without waiting for the next prompt: the program gets BdbQuit when pdb reads again"
)
NOT_READ = (
    "the debugger had not read the c when the client closed (a command still running?): the "
    "program may get BdbQuit or BrokenPipeError when pdb reads or writes again"
)
KEPT_PROMPTING = (
    "the debugger prompted again after each of {} c: closed at its prompt, so the program gets "
    "BdbQuit"
)
NO_END = (
    "the debugger did not end the session after the c: if it did not read it as a command, the "
    "program gets BdbQuit when pdb reads again"
)
SILENT_PEER = (
    "connected, but nothing was received within {:g} s. Likely causes: another client is "
    "already attached to this debugger (rpdb and celery accept a second connection and say "
    "nothing); a madbg server (it waits for its own client); or not a debugger at all"
)
PUDB_SERVER = (
    "this is a pudb server: it speaks telnet and draws a full-screen UI, so it needs a "
    "terminal client such as `telnet HOST PORT`. Nothing was sent to it"
)
SPEAKS_TELNET = "the peer speaks telnet ({}), not pdb's line protocol. Nothing was sent to it"
