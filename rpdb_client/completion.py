"""Completion: a pure ``suggest()`` and a thin prompt_toolkit ``PdbCompleter`` over it.

``suggest(text_before_cursor, mode=...)`` only reads the text and says what kind of thing may come
next (a command name, a breakpoint number, a location, a name in the frame, a client command, a
local file), the way pgcli's ``suggest_type`` does. ``PdbCompleter`` turns each kind into
candidates through a dispatch table, asking the REPL through plain callables for what only a live
session knows: the breakpoint numbers, the names in the frame (a side query to the debugger), the
names seen so far, the current prompt mode. Nothing here talks to the debugger itself.

Owns the parsing of a partial line for completion; the vocabulary comes from
``rpdb_client.commands``. Everything above ``PdbCompleter`` uses the standard library only;
prompt_toolkit is imported for ``PdbCompleter`` (so this is a UI module, and the engine must not
import it). Must not import the session, transport or REPL modules.
"""

from __future__ import annotations

import builtins
import keyword
import os
import re
from dataclasses import dataclass, replace
from typing import Any, AsyncGenerator, Awaitable, Callable, Iterable, Iterator, Sequence, Union

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from rpdb_client.commands import (
    CLIENT_COMMANDS,
    COMMAND_LIST_COMMANDS,
    COMMANDS,
    HELP_TOPICS,
    ArgKind,
    Command,
    PromptMode,
    command_word,
    find_client_command,
    find_command,
    split_commands,
)

__all__ = [
    "BreakpointNumber",
    "ClientCommand",
    "CommandName",
    "FilePath",
    "Location",
    "Name",
    "PdbCompleter",
    "PromptMode",
    "Suggestion",
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


@dataclass(frozen=True)
class ClientCommand:
    """One of the client's ``:`` commands; ``prefix`` includes the colon."""

    prefix: str


@dataclass(frozen=True)
class FilePath:
    """Any local file or directory (``:log FILE``)."""

    prefix: str


Suggestion = Union[CommandName, BreakpointNumber, Location, Name, ClientCommand, FilePath]

# An identifier, optionally pdb's convenience-variable `$` (3.12+), then `.identifier` parts.
_DOTTED_NAME = re.compile(r"\$?[^\W\d]\w*(?:\.[^\W\d]\w*)*")
_LITERAL_OWNERS = frozenset({"None", "True", "False"})


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
        found = [_local(s) for s in found]
    return found


def _local(suggestion: Suggestion) -> Suggestion:
    if isinstance(suggestion, Name):
        return Name(suggestion.prefix, None, remote=False, keywords=suggestion.keywords)
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
    if ":" in arg or any(c.isspace() for c in arg) or arg.isdigit():
        return []  # a line number comes next, or this is no location at all
    functions = _expression(arg) if not arg or _DOTTED_NAME.fullmatch(arg) else []
    # pdb breaks on a function object: no keyword or builtin can be one.
    return [Location(arg), *(replace(s, keywords=False) for s in functions if isinstance(s, Name))]


def _expression(text: str) -> list[Suggestion]:
    """The name being typed at the end of a Python expression or statement."""
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
        return [Name(prefix, None, remote=False, keywords=False)]
    return [Name(prefix, owner, remote=True, keywords=False)]


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

_KEYWORDS: tuple[str, ...] = tuple(sorted(set(keyword.kwlist) | set(keyword.softkwlist)))
_BUILTINS: tuple[str, ...] = tuple(sorted(n for n in dir(builtins) if not n.startswith("_")))
_HELP_TOPIC_META = {"exec": "Help on '!': running Python statements in the frame."}


class PdbCompleter(Completer):
    """Completes pdb commands, breakpoint numbers, locations, names and ``:`` commands.

    The callables are how the REPL plugs in what it knows; each is called only when its kind of
    suggestion applies. ``names(owner)`` lists the names in the current frame (``owner`` None) or
    the attributes of ``owner`` (a plain dotted name); it may query the debugger, so its failures
    are treated as "no names" rather than breaking the prompt. ``names_async`` is the same as a
    coroutine (``rpdb_client.names.make_name_source``): prompt_toolkit then completes
    asynchronously through :meth:`get_completions_async`, the other kinds appear at once and
    the debugger's names when they come; the synchronous path keeps using ``names``.
    """

    def __init__(
        self,
        *,
        breakpoints: Callable[[], Sequence[int]],
        names: Callable[[str | None], Sequence[str]] = lambda _owner: (),
        seen_names: Callable[[], Iterable[str]],
        mode: Callable[[], PromptMode],
        names_async: Callable[[str | None], Awaitable[Sequence[str]]] | None = None,
    ) -> None:
        self._breakpoints = breakpoints
        self._names = names
        self._names_async = names_async
        self._seen_names = seen_names
        self._mode = mode
        self._dispatch: dict[type[Any], Callable[[Any], Iterator[Completion]]] = {
            CommandName: self._command_names,
            BreakpointNumber: self._breakpoint_numbers,
            Location: lambda s: _path_completions(s.prefix, python_only=True),
            Name: self._python_names,
            ClientCommand: self._client_commands,
            FilePath: lambda s: _path_completions(s.prefix, python_only=False),
        }

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        """Candidates for the text before the cursor, each kind in the order suggest() gives."""
        given: set[tuple[str, int]] = set()
        for suggestion in suggest(document.text_before_cursor, mode=self._mode()):
            for completion in self._dispatch[type(suggestion)](suggestion):
                key = (completion.text, completion.start_position)
                if key not in given:
                    given.add(key)
                    yield completion

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        """The same candidates, awaiting the debugger's names where a suggestion needs them."""
        if self._names_async is None:
            for completion in self.get_completions(document, complete_event):
                yield completion
            return
        given: set[tuple[str, int]] = set()
        for suggestion in suggest(document.text_before_cursor, mode=self._mode()):
            if isinstance(suggestion, Name):
                remote = await self._remote_async(suggestion) if suggestion.remote else ()
                found = self._python_names(suggestion, remote)
            else:
                found = self._dispatch[type(suggestion)](suggestion)
            for completion in found:
                key = (completion.text, completion.start_position)
                if key not in given:
                    given.add(key)
                    yield completion

    def _command_names(self, suggestion: CommandName) -> Iterator[Completion]:
        prefix = suggestion.prefix
        pool = COMMANDS + COMMAND_LIST_COMMANDS if suggestion.command_list else COMMANDS
        found = [
            (word, command.help)
            for command in pool
            if not command.hidden
            for word in command.words
            # `!` and `?` are typed, not completed: they are not words.
            if word.isidentifier() and word.startswith(prefix)
        ]
        if suggestion.topics:
            found += [(t, _HELP_TOPIC_META[t]) for t in HELP_TOPICS if t.startswith(prefix)]
        for word, meta in sorted(found):
            yield Completion(word, -len(prefix), display_meta=meta)

    def _breakpoint_numbers(self, suggestion: BreakpointNumber) -> Iterator[Completion]:
        prefix = suggestion.prefix
        for number in sorted(set(self._breakpoints())):
            if str(number).startswith(prefix):
                yield Completion(str(number), -len(prefix), display_meta="breakpoint")

    def _client_commands(self, suggestion: ClientCommand) -> Iterator[Completion]:
        prefix = suggestion.prefix
        for command in CLIENT_COMMANDS:
            if command.name.startswith(prefix):
                yield Completion(command.name, -len(prefix), display_meta=command.help)

    def _python_names(
        self, suggestion: Name, remote: Sequence[str] | None = None
    ) -> Iterator[Completion]:
        groups: list[tuple[str, Iterable[str]]] = []
        if suggestion.remote:
            found = self._remote(suggestion) if remote is None else remote
            groups.append(("attribute" if suggestion.owner else "name", found))
        if suggestion.owner is None:
            groups.append(("seen", sorted(set(self._seen_names()))))
        if suggestion.owner is None and suggestion.keywords:
            groups += [("keyword", _KEYWORDS), ("builtin", _BUILTINS)]
        prefix = suggestion.prefix
        # Private names only when asked for: dir() of most objects is mostly dunders.
        private = prefix.startswith("_") or prefix.startswith("$_")
        given: set[str] = set()
        for meta, names in groups:
            for name in names:
                if name in given or not name.startswith(prefix):
                    continue
                if not private and name.lstrip("$").startswith("_"):
                    continue
                given.add(name)
                yield Completion(name, -len(prefix), display_meta=meta)

    def _remote(self, suggestion: Name) -> Sequence[str]:
        try:
            return self._names(suggestion.owner)
        except Exception:
            # A side query to the debugger can time out or find the session gone; the user is
            # typing, and a missing completion is the right answer then.
            return ()

    async def _remote_async(self, suggestion: Name) -> Sequence[str]:
        assert self._names_async is not None
        try:
            return await self._names_async(suggestion.owner)
        except Exception:
            return ()  # as in _remote: no names rather than a broken prompt


def _path_completions(prefix: str, *, python_only: bool) -> Iterator[Completion]:
    """Local files and directories (the debugged program may run elsewhere: a best guess)."""
    base = os.path.basename(prefix)
    head = prefix[: len(prefix) - len(base)]
    directory = os.path.expanduser(head) if head.startswith("~") else head
    try:
        with os.scandir(directory or os.curdir) as scan:
            entries = [(e.name, e.is_dir()) for e in scan if e.name.startswith(base)]
    except OSError:
        return
    for name, is_dir in sorted(entries):
        if name.startswith(".") and not base.startswith("."):
            continue
        if is_dir:
            suffix, meta = "/", "directory"
        elif not python_only:
            suffix, meta = "", "file"
        elif name.endswith((".py", ".pyw")):
            suffix, meta = ":", "file"  # pdb's file:line; the line number comes next
        else:
            continue
        yield Completion(
            head + name + suffix, -len(prefix), display=name + suffix, display_meta=meta
        )
