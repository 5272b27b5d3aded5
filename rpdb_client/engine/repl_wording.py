"""The REPL's own sentences: its history file, its keys and questions, its ``:`` commands.

Part of the client's words (:mod:`rpdb_client.engine.wording` re-exports every name here, so the
front ends import their sentences from one place); only the REPL says these. Standard library
only.
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "ASCII_STATE",
    "ASCII_USAGE",
    "CLOSING_NOW",
    "CTRL_C_AT_PROMPT",
    "CTRL_C_WHILE_RUNNING",
    "DECLINED",
    "DETACH_AT_NEXT_PROMPT",
    "DUMB_TERMINAL",
    "HISTORY_IN_MEMORY",
    "KEYS_HELP",
    "LEAVE_QUESTION",
    "LEAVING_SAFELY",
    "LOG_USAGE",
    "NO_SESSION",
    "NO_SESSION_TO_DETACH",
    "PAGER_STATE",
    "PAGER_USAGE",
    "PYTHON_MODE_ON",
    "SENT_WITHOUT_PROMPT",
    "SESSION_ENDING",
    "STOPPED_WAITING",
    "answer_first",
    "cannot_read_history",
    "cannot_write_history",
    "leaving_interact",
    "not_a_history",
    "not_sent",
    "switched",
    "tightened",
    "toolbar_failed",
    "unknown_client_command",
]

# -- the REPL's history file -----------------------------------------------------------------

HISTORY_IN_MEMORY = "; this run keeps its history in memory only"


def cannot_write_history(path: object, reason: str) -> str:
    return f"cannot write the history file {path}: {reason}"


def cannot_read_history(path: object, reason: str) -> str:
    return f"cannot read the history file {path}: {reason}"


def not_a_history(path: object, why: object) -> str:
    return f"the history file {path} is not a history file ({why}); left as is"


def tightened(path: object, mode: int) -> str:
    """A file of ours that others could read (history, transcript): now 0600."""
    return f"{path} was readable by other users (mode {mode:04o}); it is now 0600"


# -- the REPL's keys and questions -----------------------------------------------------------

KEYS_HELP = (
    "Keys: Enter on an empty line repeats the last command; Ctrl-C clears the line;\n"
    "  Ctrl-D or :quit leaves safely; F2 or :python toggles Python mode; Ctrl-R searches history."
)
CTRL_C_AT_PROMPT = "Ctrl-C clears the line; Ctrl-D or :quit leaves safely"
CTRL_C_WHILE_RUNNING = (
    "the program is running: a remote pdb cannot be interrupted over this connection (it only "
    "reads at its prompt). Ctrl-C again within 2 s leaves safely: c at the next prompt, then exit."
)
LEAVING_SAFELY = "leaving safely: c at the next prompt, then exit"
STOPPED_WAITING = "stopped waiting"
DUMB_TERMINAL = "TERM is dumb: plain line mode (Ctrl-D detaches safely and leaves)"
PYTHON_MODE_ON = (
    "Python mode: a block runs in the frame as one ! statement; Enter on a blank line (or Esc "
    "Enter) sends it; F2 or :python leaves"
)
DECLINED = "not sent"
LEAVE_QUESTION = "Leave? [y/N] "


def leaving_interact(version: Optional[tuple[int, int]]) -> str:
    """What Ctrl-D at ``>>>`` does to a program running ``version`` (None: not known)."""
    if version is not None and version >= (3, 13):
        return (
            f"leaving from >>>: the program runs Python {version[0]}.{version[1]}, where exit() "
            "returns to pdb: the client sends exit(), then c at pdb's prompt (the program goes on)"
        )
    which = (
        f"the program runs Python {version[0]}.{version[1]}"
        if version is not None
        else "the program's Python is not known (it is asked before interact, at an idle prompt)"
    )
    return (
        f"leaving from >>>: {which}. Before 3.13 no way out of interact is safe: leaving closes "
        "the connection and the program gets BdbQuit (exit() would end it with SystemExit)"
    )


def toolbar_failed(error: Exception) -> str:
    """Drawing the toolbar raised: it is off from now on (``:toolbar`` tries again)."""
    return (
        f"the toolbar failed ({type(error).__name__}: {error}) and is off; the session goes "
        "on (:toolbar turns it on again)"
    )


def answer_first(count: int) -> str:
    """A paste stopped at a question: the rest of its lines wait for the answer."""
    return f"{count} more pasted line(s) not sent: answer first"


def not_sent(why: object) -> str:
    return f"not sent: {why}"


# -- the REPL's : commands -------------------------------------------------------------------

NO_SESSION = "no session"
SESSION_ENDING = "the session is ending"
NO_SESSION_TO_DETACH = "no session to detach from"
DETACH_AT_NEXT_PROMPT = (
    "a command is running: detaching at the next prompt (c there, then close). Ctrl-D again "
    "within 2 s closes now instead: when the command ends, pdb finds the connection gone and "
    "the program gets BdbQuit (BrokenPipeError on remote-pdb)"
)
CLOSING_NOW = "closing now: the program gets BdbQuit (or BrokenPipeError) when its command ends"
SENT_WITHOUT_PROMPT = "sent without waiting for a prompt"
LOG_USAGE = "usage: :log FILE (and :log alone stops logging)"
PAGER_USAGE = "usage: :pager on, :pager off, or :pager alone to see which"
PAGER_STATE = {
    True: "pager on: a reply taller than the screen is shown in $PAGER (less when unset)",
    False: "pager off: every reply is printed as it comes",
}
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
