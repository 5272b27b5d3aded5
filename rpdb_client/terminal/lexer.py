"""Pygments lexers for what the user types at a debugger prompt.

Owns the highlighting of an input line: the pdb command word, breakpoint numbers, ``file:line``
locations, the Python in ``p``/``pp``/``!``/``display``/conditions and bare expressions, pdb's
``;;`` separator and the client's own ``:`` commands. ``PdbLexer`` is for the ``(Pdb) `` and
``(com) `` prompts, ``PdbPythonLexer`` for the ``>>> ``/``... `` prompts of ``interact``.

A line is split exactly as pdb splits it (``commands.command_word``, the ``;;`` rule), so what is
highlighted as a command is what pdb will run as one: ``n = 1`` is the command ``n``, and says so.

Every character of the input comes back in exactly one token, in order, and nothing here raises:
prompt_toolkit calls ``get_tokens_unprocessed`` on every keystroke. Imports pygments and
``rpdb_client.vocabulary.commands`` only; never prompt_toolkit (the REPL wraps these in
``PygmentsLexer``).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Generator, Iterator, Tuple

from pygments.lexer import Lexer, inherit
from pygments.lexers.python import PythonLexer
from pygments.token import (
    Error,
    Keyword,
    Name,
    Number,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from rpdb_client.vocabulary.client_commands import find_client_command
from rpdb_client.vocabulary.commands import (
    HELP_TOPICS,
    ArgKind,
    Command,
    command_word,
    find_command,
)

__all__ = ["PdbLexer", "PdbPythonLexer"]

Token = Tuple[int, Any, str]
"""(offset, token type, text): what ``get_tokens_unprocessed`` yields."""


class _ConveniencePythonLexer(PythonLexer):
    """Python plus pdb's convenience variables (``$_frame``, ``$_exception``; 3.12+)."""

    tokens: ClassVar[dict[str, list[Any]]] = {
        "expr": [(r"\$[^\W\d]\w*", Name.Variable.Magic), inherit]
    }


_CLIENT_LINE = re.compile(r"([^\S\n]*)(:\S*)")
_NUMBERS = re.compile(r"(?P<space>\s+)|(?P<number>[+-]?\d+)(?!\S)|(?P<error>\S+)")
_LINE_RANGE = re.compile(r"(?P<space>\s+)|(?P<number>[+-]?\d+)|(?P<punct>[,.])|(?P<error>\S+)")
_FUNCTION = re.compile(r"\s*[^\W\d][\w.]*\s*\Z")
_LINE_NUMBER = re.compile(r"(\s*)([+-]?\d+)(\s*)\Z")

_NUMBER_KINDS = {
    ArgKind.BREAKPOINTS,
    ArgKind.BREAKPOINT,
    ArgKind.BREAKPOINT_COUNT,
    ArgKind.LINE,
    ArgKind.COUNT,
}
_PYTHON_KINDS = {ArgKind.EXPRESSION, ArgKind.STATEMENT}


class PdbLexer(Lexer):
    """Highlights one line typed at the ``(Pdb) `` prompt (several lines: each one in turn).

    Option ``python_only=True`` lexes everything as Python (what ``PdbPythonLexer`` does).
    """

    name = "pdb command line"
    aliases: ClassVar[list[str]] = ["pdb-input"]
    filenames: ClassVar[list[str]] = []
    python_only = False

    def __init__(self, **options: Any) -> None:
        # Pygments' defaults strip and add newlines in get_tokens(); keep the text as typed.
        options.setdefault("stripnl", False)
        options.setdefault("ensurenl", False)
        super().__init__(**options)
        self.python_only = bool(options.get("python_only", self.python_only))
        self._pdb_python = _ConveniencePythonLexer()
        self._python = PythonLexer()

    def get_tokens_unprocessed(self, text: str) -> Iterator[Token]:
        """Yield ``(offset, token type, text)`` covering ``text`` exactly, in order."""
        pos = 0
        client = _CLIENT_LINE.match(text)
        if client:
            # A ':' line is the client's, at any prompt: neither pdb nor Python starts one so.
            eol = _line_end(text, 0)
            yield from self._client_line(text, client, eol)
            if eol == len(text):
                return
            yield eol, Whitespace, "\n"
            pos = eol + 1
        if self.python_only:
            yield from self._code(text, pos, len(text), self._python)
            return
        while pos < len(text):
            eol = _line_end(text, pos)
            stop = yield from self._command_line(text, pos, eol, len(text))
            if stop >= len(text):
                return
            yield stop, Whitespace, "\n"
            pos = stop + 1

    def _client_line(self, text: str, match: re.Match[str], eol: int) -> Iterator[Token]:
        if match.group(1):
            yield 0, Whitespace, match.group(1)
        word = match.group(2)
        command = find_client_command(word)
        yield match.start(2), Name.Builtin if command else Error, word
        pos = match.end(2)
        if command is not None and command.arg is ArgKind.TEXT:
            # `:send TEXT` hands TEXT to the debugger, so it reads as a pdb line.
            yield from self._command_line(text, pos, eol, eol)
        elif command is not None and command.arg is ArgKind.FILE:
            yield from _split_space(text, pos, eol, String)
        elif pos < eol:
            yield pos, Text, text[pos:eol]

    def _command_line(
        self, text: str, start: int, eol: int, block_end: int
    ) -> Generator[Token, None, int]:
        """Lex one pdb line in ``text[start:eol]``; returns where it stopped.

        A bare Python line, or one starting with ``!``, runs on to ``block_end``: its next lines
        are its continuation (pdb 3.13+ reads multi-line statements). A loop, not recursion, walks
        the ``;;`` pieces and alias bodies: a pasted line may hold thousands of them.
        """
        pos = start
        while True:
            space_end = _skip_space(text, pos, eol)
            if space_end > pos:
                yield pos, Whitespace, text[pos:space_end]
            pos = space_end
            if pos >= eol:
                return eol
            line = text[pos:eol]
            # pdb splits at the first ';;' (inside quotes too) unless the line defines an alias.
            marker = -1 if line.split()[0] == "alias" else line.find(";;")
            end = pos + marker if marker >= 0 else eol
            word_end = pos + len(command_word(text[pos:end]))
            command = find_command(text[pos:word_end]) if word_end > pos else None
            if command is None:
                yield from self._code(text, pos, end if marker >= 0 else block_end)
                if marker < 0:
                    return block_end
            elif command.name == "alias":
                # `alias NAME COMMAND`: COMMAND is a pdb line of its own, lexed as one.
                yield pos, Keyword, text[pos:word_end]
                name = _skip_space(text, word_end, end)
                if name > word_end:
                    yield word_end, Whitespace, text[word_end:name]
                pos = _skip_word(text, name, end)
                if pos > name:
                    yield name, Name.Variable, text[name:pos]
                block_end = eol
                continue
            else:
                yield pos, Keyword, text[pos:word_end]
                arg_end = block_end if command.name == "!" and marker < 0 else end
                yield from self._argument(command, text, word_end, arg_end)
                if marker < 0:
                    return arg_end
            yield end, Punctuation, ";;"
            pos = end + 2
            block_end = eol

    def _argument(self, command: Command, text: str, start: int, end: int) -> Iterator[Token]:
        kind = command.arg
        if start >= end:
            return
        if kind in _PYTHON_KINDS:
            yield from self._code(text, start, end)
        elif kind in _NUMBER_KINDS:
            yield from _scan(_NUMBERS, text, start, end)
        elif kind is ArgKind.LINE_RANGE:
            yield from _scan(_LINE_RANGE, text, start, end)
        elif kind is ArgKind.BREAKPOINT_CONDITION:
            yield from self._number_then_code(text, start, end)
        elif kind is ArgKind.LOCATION:
            yield from self._location(text, start, end, with_condition=True)
        elif kind is ArgKind.BREAKPOINTS_OR_LOCATION:
            if ":" in text[start:end]:
                yield from self._location(text, start, end, with_condition=False)
            else:
                yield from _scan(_NUMBERS, text, start, end)
        elif kind is ArgKind.COMMAND_NAME:
            yield from _split_space(text, start, end, None)
        elif command.name == "unalias":
            yield from _split_space(text, start, end, Name.Variable)
        else:
            yield start, Text, text[start:end]

    def _number_then_code(self, text: str, start: int, end: int) -> Iterator[Token]:
        # `condition 3 x > 1`: pdb splits the stripped argument at its first space.
        pos = _skip_space(text, start, end)
        if pos > start:
            yield start, Whitespace, text[start:pos]
        word_end = _skip_word(text, pos, end)
        if word_end > pos:
            yield from _scan(_NUMBERS, text, pos, word_end)
        yield from self._code(text, word_end, end)

    def _location(
        self, text: str, start: int, end: int, *, with_condition: bool
    ) -> Iterator[Token]:
        # pdb's break: the first comma ends the location, the last colon ends the file name.
        spec_end = end
        if with_condition:
            comma = text.find(",", start, end)
            if comma >= 0 and text[start:comma].strip():
                spec_end = comma
        spec = text[start:spec_end]
        colon = spec.rfind(":")
        if colon >= 0:
            yield from _split_space(text, start, start + colon, String)
            yield start + colon, Punctuation, ":"
            yield from _line_number(text, start + colon + 1, spec_end)
        elif _LINE_NUMBER.match(spec):
            yield from _line_number(text, start, spec_end)
        elif _FUNCTION.match(spec):
            yield from _split_space(text, start, spec_end, Name.Function)
        else:
            # Anything else pdb evaluates, hoping for a function object.
            yield from self._code(text, start, spec_end)
        if spec_end < end:
            yield spec_end, Punctuation, ","
            yield from self._code(text, spec_end + 1, end)

    def _code(
        self, text: str, start: int, end: int, lexer: PythonLexer | None = None
    ) -> Iterator[Token]:
        if start >= end:
            return
        python = lexer if lexer is not None else self._pdb_python
        for offset, token, value in python.get_tokens_unprocessed(text[start:end]):
            yield start + offset, token, value


class PdbPythonLexer(PdbLexer):
    """Everything is Python: the ``>>> `` and ``... `` prompts of ``interact``."""

    name = "pdb interact input"
    aliases: ClassVar[list[str]] = ["pdb-interact-input"]
    python_only = True


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _skip_word(text: str, pos: int, end: int) -> int:
    while pos < end and not text[pos].isspace():
        pos += 1
    return pos


def _line_end(text: str, pos: int) -> int:
    newline = text.find("\n", pos)
    return len(text) if newline < 0 else newline


def _scan(pattern: re.Pattern[str], text: str, start: int, end: int) -> Iterator[Token]:
    types = {"space": Whitespace, "number": Number.Integer, "punct": Punctuation, "error": Error}
    for match in pattern.finditer(text, start, end):
        group = match.lastgroup or "error"
        yield match.start(), types[group], match.group()


def _split_space(text: str, start: int, end: int, token: Any) -> Iterator[Token]:
    """Leading and trailing whitespace as Whitespace, the middle as ``token``.

    With ``token=None`` the middle is a command name (``help break``): a Name.Function when pdb
    knows it, Text otherwise.
    """
    middle = text[start:end]
    stripped = middle.strip()
    if not stripped:
        if middle:
            yield start, Whitespace, middle
        return
    lead = len(middle) - len(middle.lstrip())
    if lead:
        yield start, Whitespace, middle[:lead]
    if token is None:
        known = find_command(stripped) is not None or stripped in HELP_TOPICS
        token = Name.Function if known else Text
    yield start + lead, token, stripped
    tail = start + lead + len(stripped)
    if tail < end:
        yield tail, Whitespace, text[tail:end]


def _line_number(text: str, start: int, end: int) -> Iterator[Token]:
    match = _LINE_NUMBER.match(text, start, end)
    if match is None:
        yield from _split_space(text, start, end, Error)
        return
    for group, token in ((1, Whitespace), (2, Number.Integer), (3, Whitespace)):
        if match.group(group):
            yield match.start(group), token, match.group(group)
