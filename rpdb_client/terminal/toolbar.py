"""What the REPL shows about where things stand: the input prompt and the bottom toolbar.

Owns two factories over one read-only view of the REPL (:class:`StatusView`):
:func:`make_prompt` (the remote prompt when the debugger waits, a state marker such as
``(running) `` otherwise, the question when the client asks one) and :func:`make_toolbar`
(target, state, how long the program has been stopped, location or the synopsis of the command
being typed, session number). Both are
called on every redraw, so they only read attributes and format; the REPL refreshes the screen
once a second for the elapsed time. Class names come from :mod:`rpdb_client.terminal.style`.

Imports prompt_toolkit's formatted-text types, the session's state names and the vocabulary; must
not import the REPL, the runner or the transport.
"""

from __future__ import annotations

import os
import re
import time
from typing import Callable, Optional, Protocol

from prompt_toolkit.formatted_text import StyleAndTextTuples

from rpdb_client.engine.session import Ending, Session, SessionEnd, State
from rpdb_client.output.sanitize import make_visible
from rpdb_client.vocabulary.client_commands import find_client_command
from rpdb_client.vocabulary.commands import command_word, find_command, split_commands
from rpdb_client.wire.parser import PromptKind

__all__ = [
    "StatusView",
    "command_hint",
    "format_elapsed",
    "guarded",
    "make_continuation",
    "make_prompt",
    "make_toolbar",
    "short_location",
    "state_label",
]

LOCATION_MAX = 60
"""A location is cut to this many characters: the toolbar is one line."""

_PROMPT_CLASS = {
    PromptKind.PDB: "prompt.pdb",
    PromptKind.PDBPP: "prompt.pdb",
    PromptKind.IPDB: "prompt.pdb",
    PromptKind.COMMANDS: "prompt.commands",
    PromptKind.PDB_MORE: "prompt.python",
    PromptKind.PYTHON: "prompt.python",
    PromptKind.PYTHON_MORE: "prompt.python",
    PromptKind.IPYTHON: "prompt.python",
    PromptKind.IPYTHON_MORE: "prompt.python",
    PromptKind.QUESTION: "prompt.question",
    PromptKind.CUSTOM: "prompt.question",
}
# (label, style suffix) of each session state; the style knows at-prompt/running/waiting/lost.
_STATES = {
    State.STARTING: ("connecting", "waiting"),
    State.AT_PROMPT: ("at prompt", "at-prompt"),
    State.BUSY: ("running", "running"),
    State.RUNNING: ("running", "running"),
    State.DETACHING: ("detaching", "running"),
    State.ENDED: ("ended", "waiting"),
}
_LOCATION = re.compile(r"(.+)\((\d+)\)(.*)")
_LOST = (Ending.LOST, Ending.NOT_PDB, Ending.CHANNEL_DROPPED)


class StatusView(Protocol):
    """What the prompt and the toolbar read from the REPL (attributes or properties)."""

    @property
    def target(self) -> str:
        """Where the client connects: ``host:port``."""

    @property
    def session(self) -> Optional[Session]:
        """The session being served, None between sessions."""

    @property
    def session_number(self) -> int:
        """1 for the first session of the run."""

    @property
    def counting_sessions(self) -> bool:
        """``--wait``: sessions follow one another, so their number is worth showing."""

    @property
    def waiting(self) -> bool:
        """Waiting for a debugger to listen (``--wait``)."""

    @property
    def state_since(self) -> float:
        """``time.monotonic()`` when the state shown last changed."""

    @property
    def last_end(self) -> Optional[SessionEnd]:
        """How the last session ended, None before the first ended."""

    @property
    def python_mode(self) -> bool:
        """The client-side Python block mode is on."""

    @property
    def question(self) -> Optional[str]:
        """The question the client asks (it then reads the answer instead of a command)."""

    @property
    def input_text(self) -> str:
        """What is typed on the input line so far (the toolbar shows its command's synopsis)."""

    @property
    def vi_mode(self) -> str:
        """With vi keys, the mode the input line is in (``insert``, ``normal``...); else ""."""


def state_label(view: StatusView) -> tuple[str, str]:
    """The state in the user's words and its style suffix (``at-prompt``, ``running``...)."""
    session = view.session
    if session is not None:
        return _STATES[session.state]
    if view.waiting:
        return "waiting", "waiting"
    end = view.last_end
    if end is not None and end.ending in _LOST:
        return "lost", "lost"
    return ("ended", "waiting") if end is not None else ("connecting", "waiting")


def make_prompt(view: StatusView) -> Callable[[], StyleAndTextTuples]:
    """The input prompt: the debugger's own when it waits, else ``(state) ``."""

    def prompt() -> StyleAndTextTuples:
        if view.question:
            return [("class:prompt.question", view.question)]
        session = view.session
        marker: StyleAndTextTuples = [("class:prompt.python", "py> ")] if view.python_mode else []
        if session is not None and session.state is State.AT_PROMPT and session.prompt:
            kind = session.prompt.kind
            # The server's text (a question may follow the program's output): shown, not obeyed.
            return [(f"class:{_PROMPT_CLASS[kind]}", make_visible(session.prompt.text)), *marker]
        label, _ = state_label(view)
        return [("class:prompt.state", f"({label}) "), *marker]

    return prompt


def make_continuation() -> Callable[[int, int, int], StyleAndTextTuples]:
    """The prefix of the second and later lines of a block: ``...`` under the prompt."""

    def continuation(width: int, line_number: int, wrap_count: int) -> StyleAndTextTuples:
        return [("class:prompt.python", "... ".rjust(width))]

    return continuation


# What a narrow terminal keeps longest: the time the worker has left before the server kills it,
# then the state, what waits to be sent, the mode, the time stopped, the target, the location.
_KEEP_LONGEST = ("limit", "state", "queued", "mode", "elapsed", "target", "where", "lost", "count")


def make_toolbar(
    view: StatusView, columns: Optional[Callable[[], int]] = None
) -> Callable[[], StyleAndTextTuples]:
    """The bottom toolbar: target, state, time, location, session number, mode.

    ``columns`` gives the terminal's width: what does not fit is left out, least needed first
    (:data:`_KEEP_LONGEST`), so the worker's countdown is the last thing cut.
    """

    def toolbar() -> StyleAndTextTuples:
        parts = toolbar_parts(view, time.monotonic())
        if columns is not None:
            parts = fit(parts, columns())
        return [fragment for _, fragments in parts for fragment in fragments]

    return toolbar


def guarded(
    toolbar: Callable[[], StyleAndTextTuples], on_failure: Callable[[Exception], None]
) -> Callable[[], StyleAndTextTuples]:
    """``toolbar`` that cannot take the REPL down: its first exception goes to ``on_failure``
    and it draws nothing from then on (the toolbar is drawn inside prompt_toolkit's render,
    where an exception would end the input line, and with it every key that leaves)."""
    failed = False

    def draw() -> StyleAndTextTuples:
        nonlocal failed
        if not failed:
            try:
                return toolbar()
            except Exception as error:  # whatever a field raises, the REPL goes on
                failed = True
                on_failure(error)
        return []

    return draw


Part = tuple[str, StyleAndTextTuples]
"""A field of the toolbar: its name in :data:`_KEEP_LONGEST`, and its fragments."""


def fit(parts: list[Part], columns: int) -> list[Part]:
    """``parts`` without the least needed ones, until they fit in ``columns``."""
    kept = list(parts)
    for name in reversed(_KEEP_LONGEST):
        if sum(len(text) for _, fragments in kept for _, text, *_ in fragments) <= columns:
            break
        kept = [part for part in kept if part[0] != name]
    return kept


def toolbar_parts(view: StatusView, now: float) -> list[Part]:
    """The toolbar's fields, in the order shown."""
    label, suffix = state_label(view)
    parts: list[Part] = [
        ("target", [("class:toolbar.target", f" {view.target} "), ("", " ")]),
        ("state", [(f"class:toolbar.state.{suffix}", f" {label} ")]),
    ]
    session = view.session
    if session is not None and session.stopped_at is not None:
        elapsed = f"stopped {format_elapsed(now - session.stopped_at)}"
    else:
        elapsed = f"for {format_elapsed(now - view.state_since)}"
    parts.append(("elapsed", [("class:toolbar.elapsed", f" {elapsed} ")]))
    if session is not None:
        parts.append(("limit", worker_limit(session, now)))
    hint = command_hint(view)
    if hint:
        parts.append(("where", [("class:toolbar.hint", f" {hint} ")]))
    elif session is not None and session.location:
        location = short_location(session.location)
        parts.append(("where", [("class:toolbar.location", f" {location} ")]))
    end = view.last_end
    if session is None and view.waiting and end is not None and end.ending in _LOST:
        parts.append(("lost", [("class:toolbar.state.lost", " last session lost ")]))
    if view.counting_sessions and view.session_number:
        number = view.session_number
        counted = f"session {number}" if session is not None else f"after session {number}"
        parts.append(("count", [("", f" {counted} ")]))
    if view.vi_mode:
        parts.append(("mode", [("class:toolbar.elapsed", f" vi {view.vi_mode} ")]))
    if view.python_mode:
        parts.append(("mode", [("class:toolbar.warning", " [python] ")]))
    if session is not None and session.pending:
        parts.append(("queued", [("class:toolbar.warning", f" {session.pending} queued ")]))
    return parts


def command_hint(view: StatusView) -> str:
    """The synopsis of the command being typed (``b(reak) [...]``), as iredis shows it; or "".

    Read from the vocabulary, at the prompts where the line is a command: pdb's (after ``;;``,
    the piece being typed) and ``(com)``'s, and for the client's ``:`` commands at any prompt.
    """
    if view.question is not None:
        return ""
    line = view.input_text.split("\n", 1)[0].lstrip()
    if line.startswith(":"):
        client = find_client_command(line.split(maxsplit=1)[0])
        return client.usage if client is not None else ""
    session = view.session
    kind = session.prompt.kind if session is not None and session.prompt else None
    command_list = kind is PromptKind.COMMANDS
    if view.python_mode or (kind is not None and not kind.is_debugger and not command_list):
        return ""
    word = command_word(split_commands(line)[-1].lstrip())
    command = find_command(word, command_list=command_list) if word else None
    return command.synopsis if command is not None else ""


_LIMIT_NAMES = {"harakiri": "harakiri", "gunicorn-timeout": "gunicorn timeout", "given": "limit"}


def worker_limit(session: Session, now: float) -> StyleAndTextTuples:
    """The worker's time limit counting down, from the connection (a lower bound: the request
    began earlier, hence "at most"); a warning from half of it on."""
    timeout = session.identity.timeout if session.identity else None
    if timeout is None or session.state is State.ENDED:
        return []
    used = now - session.connected_at
    left = timeout.seconds - used
    name = _LIMIT_NAMES.get(timeout.kind, "limit")
    text = f" {name} {timeout.seconds:g} s: " + (
        f"{format_elapsed(left)} left at most " if left > 0 else "passed "
    )
    style = "class:toolbar.warning" if used >= timeout.seconds / 2 else "class:toolbar.elapsed"
    return [(style, text)]


def format_elapsed(seconds: float) -> str:
    """``0:07``, ``12:40``, ``1:02:03``."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def short_location(location: str) -> str:
    """``/srv/app/views.py(12)index()`` as ``views.py:12 index()``, cut to fit one line."""
    match = _LOCATION.fullmatch(location)
    if match:
        path, line, function = match.groups()
        location = f"{os.path.basename(path)}:{line} {function}".rstrip()
    if len(location) > LOCATION_MAX:
        location = location[: LOCATION_MAX - 1] + "\u2026"
    return location
