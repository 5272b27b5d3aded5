"""Completion for prompt_toolkit: ``PdbCompleter``, a thin layer over :func:`completion.suggest`.

Turns each kind of suggestion into candidates through a dispatch table, asking the REPL through
plain callables for what only a live session knows: the breakpoint numbers, the names in the frame
(a side query to the debugger), the names seen so far, the current prompt mode. Nothing here talks
to the debugger itself. A UI module: the engine must not import it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, AsyncGenerator, Awaitable, Callable, Iterable, Iterator, Sequence, Union

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from rpdb_client.vocabulary.client_commands import CLIENT_COMMANDS
from rpdb_client.vocabulary.commands import COMMAND_LIST_COMMANDS, COMMANDS, HELP_TOPICS, PromptMode
from rpdb_client.vocabulary.suggest import (
    BUILTIN_NAMES,
    PYTHON_KEYWORDS,
    BreakpointNumber,
    Choice,
    ClientCommand,
    CommandName,
    FilePath,
    Key,
    LineInFile,
    Location,
    Name,
    function_lines,
    suggest,
)

_HELP_TOPIC_META = {"exec": "Help on '!': running Python statements in the frame."}
Names = Union[Mapping[str, str], Sequence[str]]
"""Names, or names with their kind (``method``, ``attribute``...), as the debugger gave them."""


class PdbCompleter(Completer):
    """Completes pdb commands, breakpoint numbers, locations, names and ``:`` commands.

    The callables are how the REPL plugs in what it knows; each is called only when its kind of
    suggestion applies. ``names(owner)`` lists the names in the current frame (``owner`` None) or
    the attributes of ``owner`` (a plain dotted name); it may query the debugger, so its failures
    are treated as "no names" rather than breaking the prompt. ``names_async`` is the same as a
    coroutine (``rpdb_client.engine.frame_names.make_name_source``): prompt_toolkit then completes
    asynchronously through :meth:`get_completions_async`, the other kinds appear at once and
    the debugger's names when they come; the synchronous path keeps using ``names``.
    ``dict_keys`` and ``file_source`` ask the debugger for a dict's keys and a file's source
    (``b file.py:`` offers the first line of each function); only the asynchronous path waits
    for them. ``breakpoints`` may map each number to where pdb put it.
    """

    def __init__(
        self,
        *,
        breakpoints: Callable[[], Sequence[int] | Mapping[int, str]],
        names: Callable[[str | None], Names] = lambda _owner: (),
        seen_names: Callable[[], Iterable[str]],
        mode: Callable[[], PromptMode],
        names_async: Callable[[str | None], Awaitable[Names]] | None = None,
        dict_keys: Callable[[str], Awaitable[Sequence[str]]] | None = None,
        file_source: Callable[[str], Awaitable[str]] | None = None,
    ) -> None:
        self._breakpoints = breakpoints
        self._dict_keys = dict_keys
        self._file_source = file_source
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
            Choice: lambda s: (
                Completion(word, -len(s.prefix)) for word in s.words if word.startswith(s.prefix)
            ),
            Key: lambda s: iter(()),  # only the debugger knows them: asynchronous only
            LineInFile: lambda s: iter(()),
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
            elif isinstance(suggestion, Key):
                found = _keys(suggestion, await _ask(self._dict_keys, suggestion.owner, ()))
            elif isinstance(suggestion, LineInFile):
                found = _lines(suggestion, await _ask(self._file_source, suggestion.path, ""))
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
        known = self._breakpoints()
        places = known if isinstance(known, Mapping) else {}
        for number in sorted(set(known)):
            if str(number).startswith(prefix):
                place = places.get(number, "")
                # The file's name and line: the directories rarely fit the menu.
                meta = f"breakpoint at {os.path.basename(place)}" if place else "breakpoint"
                yield Completion(str(number), -len(prefix), display_meta=meta)

    def _client_commands(self, suggestion: ClientCommand) -> Iterator[Completion]:
        prefix = suggestion.prefix
        for command in CLIENT_COMMANDS:
            if command.name.startswith(prefix):
                yield Completion(command.name, -len(prefix), display_meta=command.help)

    def _python_names(self, suggestion: Name, remote: Names | None = None) -> Iterator[Completion]:
        groups: list[tuple[str, Iterable[str]]] = []
        kinds: Mapping[str, str] = {}
        if suggestion.remote:
            found = self._remote(suggestion) if remote is None else remote
            if isinstance(found, Mapping):
                kinds = found
            groups.append(("attribute" if suggestion.owner else "name", found))
        if suggestion.owner is None and not suggestion.after_dot:
            # Words seen in the output may be names of the frame, never attributes of `x[0].`.
            groups.append(("seen", sorted(set(self._seen_names()))))
        if suggestion.owner is None and suggestion.keywords:
            groups += [("keyword", PYTHON_KEYWORDS), ("builtin", BUILTIN_NAMES)]
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
                yield Completion(name, -len(prefix), display_meta=kinds.get(name, meta))

    def _remote(self, suggestion: Name) -> Names:
        try:
            return self._names(suggestion.owner)
        except Exception:
            # A side query to the debugger can time out or find the session gone; the user is
            # typing, and a missing completion is the right answer then.
            return ()

    async def _remote_async(self, suggestion: Name) -> Names:
        assert self._names_async is not None
        try:
            return await self._names_async(suggestion.owner)
        except Exception:
            return ()  # as in _remote: no names rather than a broken prompt


async def _ask(source: Callable[[str], Awaitable[Any]] | None, about: str, nothing: Any) -> Any:
    if source is None:
        return nothing
    try:
        return await source(about)
    except Exception:
        return nothing  # as in _remote: nothing rather than a broken prompt


def _keys(suggestion: Key, keys: Sequence[str]) -> Iterator[Completion]:
    """``"key"]`` for each key the quote typed can hold as it is."""
    for key in keys:
        if key.startswith(suggestion.prefix) and suggestion.quote not in key and "\\" not in key:
            text = f"{key}{suggestion.quote}]"
            yield Completion(text, -len(suggestion.prefix), display=key, display_meta="key")


def _lines(suggestion: LineInFile, source: str) -> Iterator[Completion]:
    for line, function in function_lines(source):
        if str(line).startswith(suggestion.prefix):
            yield Completion(str(line), -len(suggestion.prefix), display_meta=function)


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
