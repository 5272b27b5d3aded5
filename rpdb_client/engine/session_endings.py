"""How a session ends, decided from where it was and what was sent last, and said in words.

Owns the rules of docs/protocol.md section 4 that name an ending: EOF after a ``continue`` or a
``quit`` is the end the user asked for (the vocabulary says which commands those are), EOF at any
other moment is a loss, a close while the connection is open is a detach (with what it costs the
program), and a peer that is silent or speaks telnet is not a pdb; also what a line sent at pdb's
prompt does to the session (``line_effect``). Pure functions for
:mod:`rpdb_client.engine.session_machine`; imports the session actions, the vocabulary, the
parser's ``Prompt`` and the sentences (:mod:`rpdb_client.engine.wording`).
"""

from __future__ import annotations

import functools
from typing import NamedTuple, Optional

from rpdb_client.engine.session_actions import Ending, SessionEnd, State
from rpdb_client.engine.wording import (
    KEPT_PROMPTING,
    LEFT_BUSY,
    LEFT_INTERACT,
    LEFT_STATEMENT,
    NO_END,
    NOT_READ,
    PUDB_SERVER,
    SILENT_PEER,
    SPEAKS_TELNET,
)
from rpdb_client.vocabulary.commands import (
    Command,
    Effect,
    PromptMode,
    find_command,
    split_command,
    split_commands,
)
from rpdb_client.wire.parser import Prompt, PromptKind


def ending_asked_by(command: Optional[Command]) -> Optional[Ending]:
    """The end a command asks for when the debugger closes after it (None: EOF is a loss).

    A command that ends the debugger is a quit; one that resumes the program and on some servers
    ends the session (``continue``) is a continue: on the others the program runs with the
    connection open. ``next`` also resumes, but EOF after it is not what the user asked for.
    """
    if command is None:
        return None
    if command.effect is Effect.ENDS:
        return Ending.QUIT
    if command.effect is Effect.RESUMES and command.ends_session_on:
        return Ending.CONTINUED
    return None


class LineEffect(NamedTuple):
    """What sending a line at pdb's own prompt does to the session, by the vocabulary."""

    asks: Optional[Ending]
    """How EOF after it ends the session (None: as a loss)."""
    interact: bool
    """It starts ``interact``: Python's prompts become possible."""
    question: bool
    """It asks a yes/no question first (a bare ``clear``)."""


NO_EFFECT = LineEffect(None, interact=False, question=False)
"""A line that is no pdb command (Python), or one sent at another prompt than pdb's."""


@functools.lru_cache(maxsize=1024)  # the same lines come again and again (n, s, p x)
def line_effect(line: str) -> LineEffect:
    """What ``line`` does when pdb reads it at its own prompt.

    pdb runs each ``;;`` piece as a command of its own (``p x;;c`` continues): the first piece
    that ends the stop decides how EOF ends the session.
    """
    asks: Optional[Ending] = None
    interact = question = False
    for piece in split_commands(line) if ";;" in line else (line,):
        word, argument = split_command(piece)
        command = find_command(word)
        if command is None:
            continue
        asks = asks or ending_asked_by(command)
        interact = interact or command.enters is PromptMode.PYTHON
        question = question or (command.asks_confirmation and not argument)
    if asks is None and not interact and not question:
        return NO_EFFECT
    return LineEffect(asks, interact=interact, question=question)


def end_at_eof(state: State, asked: Optional[Ending], received_any: bool) -> SessionEnd:
    """The debugger closed the connection in ``state``; ``asked``: the end the last line asked
    for (``ending_asked_by``)."""
    if not received_any:
        return SessionEnd(Ending.LOST, "the debugger closed the connection before saying anything")
    if state is State.DETACHING:
        return SessionEnd(Ending.DETACHED)
    if asked is not None and (state is State.BUSY or state is State.RUNNING):
        return SessionEnd(asked)
    where = "at a prompt" if state is State.AT_PROMPT else "while a command ran"
    return SessionEnd(Ending.LOST, f"the debugger closed the connection {where}")


def end_without_eof(state: State, prompt: Optional[Prompt]) -> SessionEnd:
    """The client closes while the connection is open: what that meant for the program."""
    if state is State.RUNNING:
        return SessionEnd(Ending.CONTINUED)
    if prompt is not None and prompt.kind.is_python:
        left = LEFT_STATEMENT if prompt.kind is PromptKind.PDB_MORE else LEFT_INTERACT
        return SessionEnd(Ending.DETACHED, left)
    if state is State.BUSY or state is State.STARTING:
        return SessionEnd(Ending.DETACHED, LEFT_BUSY)
    return SessionEnd(Ending.DETACHED)


def continue_not_confirmed(unread: Optional[int]) -> SessionEnd:
    """A detach's ``c`` went out, and neither an end of stream nor the server confirmed it.

    ``unread``: what the server had not read of ours (None: unknown).
    """
    return SessionEnd(Ending.DETACHED, NO_END if unread is None else NOT_READ)


def kept_prompting(times: int) -> SessionEnd:
    """pdb prompted again after each of the detach's ``times`` ``c``: the client gives up."""
    return SessionEnd(Ending.DETACHED, KEPT_PROMPTING.format(times))


def silent_peer(seconds: float) -> SessionEnd:
    """Nothing came within ``seconds`` of connecting."""
    return SessionEnd(Ending.NOT_PDB, SILENT_PEER.format(seconds))


def speaks_telnet(name: str) -> SessionEnd:
    """The first bytes were telnet negotiation (``name``: the server it identifies)."""
    if name == "pudb":
        return SessionEnd(Ending.NOT_PDB, PUDB_SERVER)
    return SessionEnd(Ending.NOT_PDB, SPEAKS_TELNET.format(name))
