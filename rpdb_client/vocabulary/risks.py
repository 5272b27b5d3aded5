"""What a typed line would do to the debugged program, and how Python blocks are sent.

Owns the client's judgement of typed text before it reaches the debugger: which lines harm the
program and so are confirmed first (``q``/``quit``/``exit`` raise ``BdbQuit``; ``interact``
before Python 3.13 can only be left by ``exit()``, which ends the program; ``exit()`` at
``>>>``), and how a multi-line Python block becomes what pdb reads: one ``!`` statement at a pdb
prompt, or lines with the blank line the interactive console needs at ``>>>``.

Pure functions on strings: the standard library, :mod:`rpdb_client.vocabulary.commands` and the
prompt kinds of :mod:`rpdb_client.wire.parser` only; no prompt_toolkit, no session.
"""

from __future__ import annotations

import codeop
import re
import warnings
from dataclasses import dataclass
from typing import Optional

from rpdb_client.vocabulary.commands import find_command, split_command, split_commands
from rpdb_client.wire.parser import PromptKind

__all__ = [
    "EXIT_WARNING",
    "INTERACT_WARNING",
    "QUIT_WARNING",
    "Risk",
    "block_statement",
    "code_lines",
    "interact_lines",
    "risk_of",
]

QUIT_WARNING = (
    "{word} raises BdbQuit in the program: it stops there, and a web request ends with an "
    "error (HTTP 500). c lets the program go on; Ctrl-D or :detach leave it running."
)
INTERACT_WARNING = (
    "interact: before Python 3.13 on the debugged side, the only way back to pdb is exit(), "
    "which ends the program. Python mode (F2 or :python) runs a multi-line block in the frame "
    "as one ! statement instead."
)
EXIT_WARNING = "exit() at >>> ends the debugged program before Python 3.13 (SystemExit)."

_EXIT_CALL = re.compile(r"\s*(exit|quit)\s*\(.*\)\s*")
_QUIT_NAMES = frozenset({"quit", "EOF"})
# Lines that go on a compound statement at its own indentation: no blank line before them.
_GOES_ON = re.compile(r"(else|elif|except|finally)\b|[)\]}]")


@dataclass(frozen=True)
class Risk:
    """A line that needs the user's yes first."""

    key: str
    """What is asked about; the REPL asks once per session for each key."""
    warning: str
    """Why, in a sentence or two."""
    question: str
    """The short question shown as the prompt (answered y or n)."""


def risk_of(line: str, kind: Optional[PromptKind], *, confirm_quit: bool = True) -> Optional[Risk]:
    """The risk of sending ``line`` at a prompt of ``kind`` (None: the next prompt, unknown)."""
    if kind is not None and kind.is_python:
        if _EXIT_CALL.fullmatch(line):
            return Risk("exit()", EXIT_WARNING, "Send it anyway? [y/N] ")
        return None
    if kind is not None and not kind.is_debugger:
        return None  # (com), a question, a custom prompt: q is not pdb's quit there
    # pdb reads `quit = 5` as the command quit, and runs each `;;` piece: so do we.
    for piece in split_commands(line.strip()):
        word = split_command(piece)[0]
        command = find_command(word)
        name = command.name if command is not None else ""
        if name in _QUIT_NAMES and confirm_quit:
            return Risk("quit", QUIT_WARNING.format(word=word), f"Send {word} anyway? [y/N] ")
        if name == "interact":
            return Risk("interact", INTERACT_WARNING, "Send interact anyway? [y/N] ")
    return None


def code_lines(text: str) -> list[str]:
    """The lines of a typed block that hold code (blank lines carry no meaning in a block)."""
    return [line for line in text.split("\n") if line.strip()]


def block_statement(lines: list[str]) -> str:
    """One pdb line that runs the block in the current frame: ``!stmt`` or ``!exec(...)``."""
    if len(lines) == 1:
        return "!" + lines[0].strip()
    block = "\n".join(lines) + "\n"
    # !a (ascii): a single line whatever the block holds, and pure ASCII for a server in LANG=C.
    return f"!exec(compile({block!a}, '<rpdb-connect>', 'exec'))"


def interact_lines(lines: list[str]) -> list[str]:
    """The lines to send at ``>>>``, with the blank lines the interactive console needs.

    The console ends a compound statement on a blank line: one goes before a line that returns
    to the left margin after an indented one, and after a block that is still open at its end.
    """
    if not lines:
        return [""]  # Enter on an empty block: ends what the console is reading at `... `
    sent: list[str] = []
    for line in lines:
        returns = sent and sent[-1][:1].isspace() and not line[:1].isspace()
        if returns and not _GOES_ON.match(line):
            sent.append("")
        sent.append(line)
    if len(lines) > 1 or _is_open(lines[0]):
        sent.append("")
    return sent


def _is_open(line: str) -> bool:
    """A one-line statement the console would read more lines for (``for x in y: f(x)``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return codeop.compile_command(line, "<input>", "single") is None
        except (SyntaxError, ValueError, OverflowError):
            return False
