"""What the session machine speaks: its states and endings, its timers, and the actions it returns.

Owns the plain data that :mod:`rpdb_client.engine.session_machine` returns and
:mod:`rpdb_client.engine.session` carries out (like h11's ``_events.py`` beside its
``_state.py``): each action is one thing for the driver to do, in the order given. ``MAY_FOLLOW``
is the session's state graph. Imports the standard library, :mod:`rpdb_client.errors` and the
parser's ``Prompt`` only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Union

from rpdb_client.errors import ExitStatus
from rpdb_client.wire.parser import Prompt


class State(enum.Enum):
    """Where the session is; shown in the toolbar."""

    STARTING = "starting"
    AT_PROMPT = "at prompt"
    BUSY = "busy"
    RUNNING = "running"
    DETACHING = "detaching"
    ENDED = "ended"


MAY_FOLLOW: dict[State, frozenset[State]] = {
    State.STARTING: frozenset(State) - {State.STARTING},
    State.AT_PROMPT: frozenset({State.BUSY, State.RUNNING, State.DETACHING, State.ENDED}),
    State.BUSY: frozenset({State.AT_PROMPT, State.RUNNING, State.DETACHING, State.ENDED}),
    State.RUNNING: frozenset({State.AT_PROMPT, State.BUSY, State.DETACHING, State.ENDED}),
    State.DETACHING: frozenset({State.ENDED}),
    State.ENDED: frozenset(),
}
"""The states that may follow each state: the session's graph (the machine checks each change)."""


class Ending(enum.Enum):
    """How a session ended."""

    CONTINUED = "continued"
    QUIT = "quit"
    DETACHED = "detached"
    LOST = "lost"
    NOT_PDB = "not a pdb"
    CHANNEL_DROPPED = "channel dropped"
    """The channel to another machine broke; its helper leaves the session safely there."""

    @property
    def status(self) -> ExitStatus:
        lost = (Ending.LOST, Ending.NOT_PDB, Ending.CHANNEL_DROPPED)
        return ExitStatus.LOST if self in lost else ExitStatus.OK


@dataclass(frozen=True)
class SessionEnd:
    """The outcome of a session."""

    ending: Ending
    detail: str = ""


DRAIN_SECONDS = 1.0
"""How long a detach waits for EOF (or for the server to read its ``c``) before closing anyway."""
DRAIN_EXTENSIONS = 4
"""How often the drain is extended while the debugger has not read the ``c`` yet (it is busy)."""
DETACH_CONTINUES = 3
"""The most ``c`` lines one detach sends (a prompt after a ``c`` read means it was lost)."""
RESEND_WAIT = 0.1
"""How long a prompt after a ``c`` that rpdb or celery read waits for their end of stream (it
comes within a millisecond) before the ``c`` is sent again: another thread may print prompts."""
QUIET_FLUSH_SECONDS = 0.3
"""Silence after which a held partial line (possible custom prompt) is shown."""
DOUBT_SECONDS = 0.25
"""How long a doubtful prompt (text followed it) waits for a clean one before it is answered."""
TAKEN_FIRST_CHECK = 0.00005
"""The first pause before asking again whether the server has read the detach's ``c``."""
TAKEN_LAST_CHECK = 0.01
"""The longest pause between two such questions (they double from the first)."""


class Timer(enum.Enum):
    """The timers a session runs; the driver owns the clock."""

    FIRST_BYTE = "first byte"
    """Nothing received yet: a silent peer is not a pdb."""
    QUIET = "quiet"
    """A partial line is held back as a possible prompt."""
    DRAIN = "drain"
    """A detach sent ``c`` and waits for EOF."""
    DOUBT = "doubt"
    """A prompt was followed by more text: it waits for a clean prompt."""
    TAKEN = "taken"
    """A detach's ``c`` was not read by the server yet: ask again."""


# -- actions: what the driver does, in the order given ---------------------------------------


class _Action:
    """Plain data, equal when of one kind with equal fields (shown as ``Kind(field=value)``).

    Slotted classes rather than dataclasses: several are made on every command's path, and
    thirteen dataclasses would add milliseconds to every start-up.
    """

    __slots__: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    __hash__ = None  # type: ignore[assignment]  # equal by value, and mutable

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Send(_Action):
    """Write ``line`` to the debugger, followed by a newline."""

    __slots__ = ("line",)

    def __init__(self, line: str) -> None:
        self.line = line


class Echo(_Action):
    """Tell the front end ``line`` went out at ``prompt`` (unless the Send before it failed)."""

    __slots__ = ("line", "prompt")

    def __init__(self, line: str, prompt: Prompt) -> None:
        self.line = line
        self.prompt = prompt


class Show(_Action):
    """Output of the debugger, for the front end."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Notice(_Action):
    """Advice about the server, in the client's own words."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class AskUser(_Action):
    """The server waits at ``prompt`` and nothing is queued: the front end may ask the user."""

    __slots__ = ("prompt",)

    def __init__(self, prompt: Prompt) -> None:
        self.prompt = prompt


class StateChanged(_Action):
    __slots__ = ("state",)

    def __init__(self, state: State) -> None:
        self.state = state


class StartTimer(_Action):
    """Start (or restart) ``timer``; when it fires, call ``timer_fired``."""

    __slots__ = ("seconds", "timer")

    def __init__(self, timer: Timer, seconds: float) -> None:
        self.timer = timer
        self.seconds = seconds


class CancelTimer(_Action):
    __slots__ = ("timer",)

    def __init__(self, timer: Timer) -> None:
        self.timer = timer


class ProbePeer(_Action):
    """About to leave at a prompt: call ``peer_open()`` unless the peer's EOF already waits.

    A program already gone must be reported as the loss it is, not as a detach.
    """

    __slots__ = ()


class CheckTaken(_Action):
    """A detach's ``c`` went out: call ``taken()`` with the bytes the server has not read yet.

    None when that cannot be known (the peer is not on this machine). The kernel knows the
    server socket's receive queue (docs/protocol.md section 5): 0 means the ``c`` was read.
    """

    __slots__ = ()


class CheckUnread(_Action):
    """About to answer a prompt that came alone: call ``unread_at_prompt()`` with the bytes the
    server has not read yet (None: cannot be known).

    A line of ours still unread means this prompt is not pdb's answer to it (a look-alike
    fooled the session before): sending another would put two lines in the server's buffer,
    and rpdb and celery drop the second (docs/protocol.md section 3).
    """

    __slots__ = ()


class Replied(_Action):
    """The side query's reply: the text before its prompt."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Close(_Action):
    """Close the connection (politely, without an RST)."""

    __slots__ = ()


class Ended(_Action):
    """The session is over; nothing follows."""

    __slots__ = ("end",)

    def __init__(self, end: SessionEnd) -> None:
        self.end = end


Action = Union[
    Send, Echo, Show, Notice, AskUser, StateChanged, StartTimer, CancelTimer, ProbePeer,
    CheckTaken, CheckUnread, Replied, Close, Ended,
]  # fmt: skip
