"""What a typed line would do to the debugged program, and how Python blocks are sent.

Owns the client's judgement of typed text before it reaches the debugger: which of the risks the
vocabulary names (:class:`~rpdb_client.vocabulary.commands.Risk`: ``q``/``quit``/``exit`` raise
``BdbQuit``; ``interact`` before Python 3.13 can only be left by ``exit()``, which ends the
program; ``exit()`` at ``>>>``) a line runs into, read as pdb reads it; and how a multi-line
Python block becomes what pdb reads: one ``!`` statement at a pdb prompt, or lines with the
blank line the interactive console needs at ``>>>``.

Pure functions on strings: the standard library, :mod:`rpdb_client.vocabulary.commands` and the
prompt kinds of :mod:`rpdb_client.wire.parser` only; no prompt_toolkit, no session.
"""

from __future__ import annotations

import codeop
import re
import warnings
from typing import Optional

from rpdb_client.vocabulary.commands import (
    EXIT_RISK,
    INTERACT_RISK,
    PYTHON_CALL_RISKS,
    QUIT_RISK,
    Risk,
    find_command,
    split_command,
    split_commands,
)
from rpdb_client.wire.parser import PromptKind

__all__ = [
    "EXIT_RETURNS_FROM",
    "Risk",
    "block_statement",
    "code_lines",
    "continued_block",
    "continues_block",
    "interact_lines",
    "pdb_statements",
    "risk_of",
    "risk_on",
]

EXIT_RETURNS_FROM = (3, 13)
"""From this Python on, ``exit()`` at ``interact``'s ``>>>`` returns to pdb (``local_exit``)."""

# `exit()` or `quit(0)` at `>>>`: the call of a name the vocabulary says is a risk there.
_RISKY_CALL = re.compile(rf"\s*({'|'.join(PYTHON_CALL_RISKS)})\s*\(.*\)\s*")
# Lines that go on a compound statement at its own indentation: no blank line before them.
_GOES_ON = re.compile(r"(else|elif|except|finally)\b|[)\]}]")


def risk_of(line: str, kind: Optional[PromptKind], *, confirm_quit: bool = True) -> Optional[Risk]:
    """The risk of sending ``line`` at a prompt of ``kind`` (None: the next prompt, unknown).

    ``confirm_quit`` False (``--no-confirm-quit``) drops the question before a quit.
    """
    if kind is not None and kind.is_python:
        call = _RISKY_CALL.fullmatch(line)
        return PYTHON_CALL_RISKS[call.group(1)] if call else None
    if kind is not None and not kind.is_debugger:
        return None  # (com), a question, a custom prompt: q is not pdb's quit there
    # pdb reads `quit = 5` as the command quit, and runs each `;;` piece: so do we.
    for piece in split_commands(line.strip()):
        word = split_command(piece)[0]
        command = find_command(word)
        risk = command.risk if command is not None else None
        if risk is not None and (confirm_quit or risk is not QUIT_RISK):
            return risk.about(word)
    return None


def risk_on(risk: Optional[Risk], python: Optional[tuple[int, int]]) -> Optional[Risk]:
    """``risk`` for a program that runs ``python`` (None: not known, so the worst case).

    From :data:`EXIT_RETURNS_FROM` on, ``exit()`` at ``>>>`` leads back to pdb: neither it nor
    ``interact`` harms the program there.
    """
    returns = python is not None and python >= EXIT_RETURNS_FROM
    safe_there = risk is not None and risk.key in (INTERACT_RISK.key, EXIT_RISK.key)
    return None if returns and safe_there else risk


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


def continues_block(line: str) -> bool:
    """``line`` goes on the statement before it: indented, or ``else:``, ``except``, ``)``..."""
    return line[:1].isspace() or _GOES_ON.match(line) is not None


def pdb_statements(lines: list[str]) -> list[str]:
    """Pasted lines as a pdb prompt must get them: one line each, but a compound statement
    (``if x:`` and its body, an open bracket, a decorator and its function) as one statement.

    pdb reads every line as a whole statement (Python 3.13's pdb reads a block itself, after a
    ``...`` prompt): ``if False:`` alone fails, and the body after it, stripped of its indent,
    would run unconditionally. So a block goes as :func:`block_statement` makes it, as F2's
    Python mode sends one. Other lines (pdb commands among them) go as they are.
    """
    statements: list[str] = []
    block: list[str] = []
    for line in lines:
        if block and (
            _wants_more("\n".join(block)) or (_is_open(block[0]) and continues_block(line))
        ):
            block.append(line)
            continue
        if block:
            statements.append(block[0] if len(block) == 1 else block_statement(block))
        block = [line]
    if block:
        statements.append(block[0] if len(block) == 1 else block_statement(block))
    return statements


def _wants_more(text: str) -> bool:
    """Python needs another line whatever it is: a header without a body, an open bracket, a
    decorator."""
    return _compiles(text + "\n") is None


def continued_block(lines: list[str]) -> list[str]:
    """The block as one statement that Python 3.13's pdb reads on at ``...   ``: ``!if True:``,
    the lines indented under it, and the blank line that ends it.

    3.13 runs ``!exec(...)`` in a copy of the frame's locals, so :func:`block_statement` loses
    assignments there; a statement read this way writes them back to the frame.
    """
    return ["!if True:", *("    " + line for line in lines), ""]


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
    return _compiles(line) is None


def _compiles(text: str) -> Optional[bool]:
    """True: complete Python; None: Python that needs more lines; False: not Python."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings of the typed code are not ours
        try:
            return codeop.compile_command(text, "<input>", "single") is not None or None
        except (SyntaxError, ValueError, OverflowError):
            return False
