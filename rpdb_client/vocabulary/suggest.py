"""Completion, the pure part: what kind of thing may come next in a partial line.

``suggest(text_before_cursor, mode=...)`` only reads the text and says what kind of thing may come
next (a command name, a breakpoint number, a location or a line of a file, a name in the frame,
a dict key, a client command, a local file), the way pgcli's ``suggest_type`` does;
:mod:`rpdb_client.terminal.completer` turns each kind into candidates for prompt_toolkit.

Owns the parsing of a partial line for completion; the vocabulary comes from
``rpdb_client.vocabulary.commands``. Standard library only: no prompt_toolkit, session, transport
or REPL.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from dataclasses import dataclass, field, replace
from typing import Union

from rpdb_client.vocabulary.client_commands import SWITCH_WORDS, find_client_command
from rpdb_client.vocabulary.commands import (
    ArgKind,
    Command,
    PromptMode,
    command_word,
    find_command,
    split_commands,
)

__all__ = [
    "BUILTIN_NAMES",
    "PYTHON_KEYWORDS",
    "BreakpointNumber",
    "Choice",
    "ClientCommand",
    "CommandName",
    "FilePath",
    "Key",
    "LineInFile",
    "Location",
    "Name",
    "PromptMode",
    "Suggestion",
    "function_lines",
    "suggest",
]


@dataclass(frozen=True)
class CommandName:
    """A pdb command word starting with ``prefix``."""

    prefix: str
    topics: bool = False
    """Also help topics (after ``help``)."""
    command_list: bool = False
    """Also ``silent`` and ``end`` (at the ``(com) `` prompt)."""


@dataclass(frozen=True)
class Choice:
    """One of a few fixed words starting with ``prefix`` (``on``/``off`` after ``:ascii``)."""

    prefix: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class BreakpointNumber:
    """The number of an existing breakpoint starting with ``prefix``."""

    prefix: str


@dataclass(frozen=True)
class Location:
    """A file (``file.py:`` then a line) or a directory; ``prefix`` is the typed path."""

    prefix: str


@dataclass(frozen=True)
class Name:
    """A Python name starting with ``prefix``.

    ``owner`` is the plain dotted name before the last dot (``request`` in ``request.he``), so the
    REPL may ask the debugger for its attributes; None for a bare name. ``remote`` says whether
    asking the debugger makes sense at all: not after a call or subscript (``foo().ba``: evaluating
    the owner could run code) and not at the ``>>> `` or ``(com) `` prompts. ``keywords`` says
    whether Python keywords and builtins fit: not after a dot, not as a breakpoint's function.
    """

    prefix: str
    owner: str | None = None
    remote: bool = True
    keywords: bool = True
    after_dot: bool = field(default=False, compare=False)
    """An attribute (``x[0].ba``) even when the owner cannot be asked: words seen in the output
    are no attributes of it."""


@dataclass(frozen=True)
class Key:
    """A string key of the dict ``owner`` (a plain dotted name), after ``owner["``; ``quote``
    is the quote typed, ``prefix`` the key's start."""

    owner: str
    prefix: str
    quote: str


@dataclass(frozen=True)
class LineInFile:
    """A line number of ``path`` after ``b path:`` (the functions of the file name them)."""

    path: str
    prefix: str


@dataclass(frozen=True)
class ClientCommand:
    """One of the client's ``:`` commands; ``prefix`` includes the colon."""

    prefix: str


@dataclass(frozen=True)
class FilePath:
    """Any local file or directory (``:log FILE``)."""

    prefix: str


Suggestion = Union[
    CommandName, BreakpointNumber, Location, LineInFile, Name, Key, ClientCommand, FilePath, Choice
]

# An identifier, optionally pdb's convenience-variable `$` (3.12+), then `.identifier` parts.
_DOTTED_NAME = re.compile(r"\$?[^\W\d]\w*(?:\.[^\W\d]\w*)*")
_LITERAL_OWNERS = frozenset({"None", "True", "False"})
# `request.args["ke` at the end of an expression: a dict key being typed.
_KEY = re.compile(
    r"(?<![\w.)\]}'\"])(?P<owner>\$?[^\W\d]\w*(?:\.[^\W\d]\w*)*)\[(?P<quote>['\"])"
    r"(?P<prefix>[^'\"\\]*)$"
)


def suggest(text_before_cursor: str, *, mode: PromptMode) -> list[Suggestion]:
    """What may be typed at the cursor, most likely kinds first; ``[]`` when nothing fits."""
    found: list[Suggestion]
    if "\n" not in text_before_cursor and text_before_cursor.lstrip().startswith(":"):
        found = _client_line(text_before_cursor.lstrip(), mode)
    elif mode is PromptMode.QUESTION:
        found = []
    elif mode is PromptMode.PYTHON:
        found = _expression(text_before_cursor)
    else:
        # pdb reads one line per prompt: only the line the cursor is on matters.
        line = text_before_cursor.rsplit("\n", 1)[-1]
        found = _pdb_line(line, command_list=mode is PromptMode.COMMANDS)
    if mode is not PromptMode.PDB:
        # Only at a pdb prompt may the REPL ask the debugger for names: at "(com) " the question
        # would be recorded into the breakpoint's command list, at ">>> " it would run as Python.
        found = [local for local in map(_local, found) if local is not None]
    return found


def _local(suggestion: Suggestion) -> Suggestion | None:
    if isinstance(suggestion, Name):
        after_dot = suggestion.after_dot or suggestion.owner is not None
        return replace(suggestion, owner=None, remote=False, after_dot=after_dot)
    if isinstance(suggestion, (Key, LineInFile)):
        return None  # only the debugger knows them
    return suggestion


def _client_line(line: str, mode: PromptMode) -> list[Suggestion]:
    word = line.split(maxsplit=1)[0]
    if len(word) == len(line):
        return [ClientCommand(line)]
    command = find_client_command(word)
    rest = line[len(word) :].lstrip()
    if command is None:
        return []
    if command.arg is ArgKind.FILE:
        return [FilePath(rest)]
    if command.arg is ArgKind.TEXT:
        return _pdb_line(rest, command_list=mode is PromptMode.COMMANDS)
    if command.arg is ArgKind.SWITCH and not any(c.isspace() for c in rest):
        return [Choice(rest, SWITCH_WORDS)]
    return []


def _pdb_line(line: str, *, command_list: bool) -> list[Suggestion]:
    while True:
        # After `;;` a new command starts, exactly where pdb would split the line.
        current = split_commands(line)[-1].lstrip()
        word = command_word(current)
        rest = current[len(word) :]
        if not current:
            return [CommandName("", command_list=command_list)]
        if not rest and word not in ("!", "?"):
            # Still typing the first word: a command, or the start of a bare expression.
            names = _expression(current) if word[:1].isalpha() or word[:1] == "_" else []
            return [CommandName(word, command_list=command_list), *names]
        command = find_command(word, command_list=command_list)
        if command is None:
            return _expression(current)
        if command.name != "alias":
            return _argument(command, rest, command_list=command_list)
        # `alias NAME COMMAND`: once the name is typed, COMMAND is a pdb line of its own.
        _name, space, line = rest.lstrip().partition(" ")
        if not space:
            return []


def _argument(command: Command, rest: str, *, command_list: bool) -> list[Suggestion]:
    kind = command.arg
    arg = rest.lstrip()
    if kind in (ArgKind.EXPRESSION, ArgKind.STATEMENT):
        return _expression(rest)
    if kind is ArgKind.BREAKPOINTS:
        return _breakpoints(arg, first_only=False)
    if kind in (ArgKind.BREAKPOINT, ArgKind.BREAKPOINT_COUNT):
        return _breakpoints(arg, first_only=True)
    if kind is ArgKind.BREAKPOINT_CONDITION:
        number, space, condition = arg.partition(" ")
        return _expression(condition) if space else _breakpoints(number, first_only=True)
    if kind is ArgKind.BREAKPOINTS_OR_LOCATION:
        return _clear_argument(arg)
    if kind is ArgKind.LOCATION:
        return _location(arg)
    if kind is ArgKind.COMMAND_NAME:
        if any(c.isspace() for c in arg):
            return []
        return [CommandName(arg, topics=True, command_list=command_list)]
    return []


def _breakpoints(arg: str, *, first_only: bool) -> list[Suggestion]:
    words = arg.split()
    current = "" if not arg or arg[-1].isspace() else words.pop()
    if (first_only and words) or not all(w.isdigit() for w in words):
        return []
    return [BreakpointNumber(current)] if current == "" or current.isdigit() else []


def _clear_argument(arg: str) -> list[Suggestion]:
    # pdb's clear: any colon makes the whole argument file:line, otherwise breakpoint numbers.
    if ":" in arg:
        return []
    words = arg.split()
    current = "" if not arg or arg[-1].isspace() else words[-1]
    numbers = _breakpoints(arg, first_only=False)
    if len(words) - (1 if current else 0) == 0 and not current.isdigit():
        return [*numbers, Location(current)]
    return numbers


def _location(arg: str) -> list[Suggestion]:
    comma = arg.find(",")
    if comma > 0:
        return _expression(arg[comma + 1 :])
    path, colon, line = arg.rpartition(":")
    if colon and path.endswith((".py", ".pyw")) and (line == "" or line.isdigit()):
        return [LineInFile(path, line)]
    if ":" in arg or any(c.isspace() for c in arg) or arg.isdigit():
        return []  # no location at all
    functions = _expression(arg) if not arg or _DOTTED_NAME.fullmatch(arg) else []
    # pdb breaks on a function object: no keyword or builtin can be one.
    return [Location(arg), *(replace(s, keywords=False) for s in functions if isinstance(s, Name))]


def _expression(text: str) -> list[Suggestion]:
    """The name being typed at the end of a Python expression or statement."""
    key = _KEY.search(text)
    if (
        key
        and _inside_string_or_comment(text)
        and not _inside_string_or_comment(text[: key.start("quote")])
    ):
        owner = key.group("owner")
        if not any(keyword.iskeyword(p) for p in owner.lstrip("$").split(".")):
            return [Key(owner, key.group("prefix"), key.group("quote"))]
    if _inside_string_or_comment(text):
        return []
    prefix = text[_run_start(text, "_") :]
    if prefix and not prefix.isidentifier():
        return []  # a number such as 12 or 1e5
    before = text[: len(text) - len(prefix)]
    if before.endswith("$"):
        prefix, before = "$" + prefix, before[:-1]  # pdb's convenience variables, 3.12+
    stripped = before.rstrip()
    if not stripped.endswith("."):
        return [Name(prefix)]
    owner_text = stripped[:-1].rstrip()
    start = _run_start(owner_text, "_.$")
    owner = owner_text[start:]
    # `foo().ba`, `x[0].y`, `"s".up`, `a.b().c`: the owner is no plain dotted name, and evaluating
    # it to list its attributes could run arbitrary code in the program.
    plain = _DOTTED_NAME.fullmatch(owner) and owner_text[start - 1 : start] not in tuple(")]}'\"")
    parts = owner.lstrip("$").split(".")
    if not plain or any(keyword.iskeyword(p) and p not in _LITERAL_OWNERS for p in parts):
        return [Name(prefix, None, remote=False, keywords=False, after_dot=True)]
    return [Name(prefix, owner, remote=True, keywords=False, after_dot=True)]


def _run_start(text: str, extra: str) -> int:
    """Where the run of letters, digits and ``extra`` characters ending ``text`` starts."""
    start = len(text)
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in extra):
        start -= 1
    return start


def _inside_string_or_comment(text: str) -> bool:
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif char == "#":
            return True
        elif char in "'\"":
            quote = char * 3 if text.startswith(char * 3, i) else char
            i += len(quote)
            continue
        i += 1
    return bool(quote)


# ---------------------------------------------------------------------------------------------
# The prompt_toolkit side: candidates for each kind of suggestion.

PYTHON_KEYWORDS: tuple[str, ...] = tuple(sorted(set(keyword.kwlist) | set(keyword.softkwlist)))
BUILTIN_NAMES: tuple[str, ...] = tuple(sorted(n for n in dir(builtins) if not n.startswith("_")))


def function_lines(source: str) -> list[tuple[int, str]]:
    """``(line, "def name()")`` for each function of ``source``: the line of its first statement
    (a breakpoint there stops on every call; the ``def`` line runs only once, when the function
    is defined, and a docstring runs never). ``[]`` when the text is no Python."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[1] if len(body) > 1 and _is_docstring(body[0]) else body[0]
            found.append((first.lineno, f"def {node.name}()"))
    return sorted(found)


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
