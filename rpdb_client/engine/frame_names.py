"""Names from the debugged program, learnt through side queries, for completion.

Owns the questions asked of the debugger (a ``p`` of a marked tuple holding ``dir()`` with
each attribute's kind, a dict's string keys, or a file's source as the program's ``linecache``
reads it, which is what ``b FILE:LINE`` resolves), the strict reading of the answers, and
:class:`RemoteNames`, the cached, deadline-bounded source that ``PdbCompleter(names_async=...)``
awaits. The question goes out through
``Session.query``: only when the session is idle at pdb's own prompt (never at ``(com) ``,
``>>> `` or a confirmation), its reply is never shown, and it never enters the REPL's history.

What a query may evaluate is limited to a plain dotted name (``request.headers``): attribute
access only, never a call or a subscript the user typed. Properties and ``__getattr__`` still
run, so every answer has a deadline, and a slow or failing one means "no names", not a hang.
Answers are cached per stop (``Session.stop_number``) and dropped when the program moves.

pdb repeats its *last* command on an empty line, and a side query is a command to pdb: after
one, an empty Enter would repeat the query. The REPL therefore never sends an empty line for
Enter; it re-sends the user's last command itself.

Standard library only; must not import prompt_toolkit, click or the REPL.
"""

from __future__ import annotations

import ast
import asyncio
import keyword
import secrets
from typing import TYPE_CHECKING, Callable, Mapping, Optional, Sequence, Union

if TYPE_CHECKING:
    from rpdb_client.engine.session import Session

QUERY_DEADLINE = 0.75
"""Seconds a completion waits for the debugger: long enough for a big ``dir()`` over SSH,
short enough that a slow property costs one short pause at Tab."""

# Spelled through builtins so that a local variable called `dir`, `sorted` or `set` in the
# debugged frame cannot change what the query does.
_BUILTINS = "__import__('builtins')"
_LITERALS = frozenset({"None", "True", "False"})


def is_plain_owner(owner: str) -> bool:
    """True for identifiers joined by dots (pdb's ``$name`` first): attribute access only."""
    parts = (owner[1:] if owner.startswith("$") else owner).split(".")
    return all(
        part.isidentifier() and (not keyword.iskeyword(part) or part in _LITERALS) for part in parts
    )


# Each attribute's kind without running it: inspect.getattr_static reads the class and instance
# dictionaries, so a property is not evaluated (a slow or raising one costs nothing). A lambda
# holds the owner: a comprehension in pdb's eval() cannot see the frame's locals before 3.12.
_KINDS = (
    "(lambda o, b, s: b.sorted((n, 'class' if b.isinstance(s(o, n, None), b.type) else "
    "('function' if b.isinstance(o, b.type(b)) else 'method') "
    "if b.callable(s(o, n, None)) or b.isinstance(s(o, n, None), (b.staticmethod, b.classmethod)) "
    "else 'attribute') for n in b.set(b.dir(o))))"
    f"({{owner}}, {_BUILTINS}, __import__('inspect').getattr_static)"
)
# A dict's string keys, read with dict.keys itself: no __getitem__ or keys() of a subclass
# (request.args is a MultiDict) runs; other mappings could run anything, and give nothing.
_KEYS = (
    "(lambda o, b: b.sorted(k for k in b.dict.keys(o) if b.isinstance(k, b.str))[:1000] "
    f"if b.isinstance(o, b.dict) else [])({{owner}}, {_BUILTINS})"
)
_SOURCE = "''.join(__import__('linecache').getlines({path!r}))"


def _check_marker(marker: str) -> None:
    if not marker.isalnum():
        raise ValueError(f"marker must be letters and digits: {marker!r}")


def _plain(owner: str) -> str:
    if not is_plain_owner(owner):
        raise ValueError(f"not a plain dotted name: {owner!r}")
    return owner


def build_query(owner: Optional[str], marker: str) -> str:
    """The pdb line that prints ``(marker, names)`` as one ``repr`` line.

    ``marker`` must be letters and digits. Without an owner: the frame's locals (``dir()``
    evaluated in the frame, as pdb evaluates ``p``) and globals, sorted; with one, its
    attributes as ``(name, kind)`` pairs (``method``, ``function``, ``class``, ``attribute``).
    pdb's ``p`` writes ``repr(value)`` on one line (line breaks inside strings are escaped),
    which :func:`parse_reply` reads back with ``ast.literal_eval``, so any name survives.
    """
    _check_marker(marker)
    if owner is None:
        listing = f"{_BUILTINS}.dir() + {_BUILTINS}.list({_BUILTINS}.globals())"
        return f"p ('{marker}', {_BUILTINS}.sorted({_BUILTINS}.set({listing})))"
    return f"p ('{marker}', {_KINDS.format(owner=_plain(owner))})"


def build_keys_query(owner: str, marker: str) -> str:
    """The pdb line that prints ``(marker, [string keys])`` of the dict ``owner``."""
    _check_marker(marker)
    return f"p ('{marker}', {_KEYS.format(owner=_plain(owner))})"


def build_source_query(path: str, marker: str) -> str:
    """The pdb line that prints ``(marker, source)`` of ``path`` as the program reads it."""
    _check_marker(marker)
    return f"p ('{marker}', {_SOURCE.format(path=path)})"


def parse_answer(text: str, marker: str) -> object:
    """The value of a query's reply line (``(marker, value)``), or None when there is none.

    Another thread's ``print`` can land before the reply on its line (``tick 6('m', [...])``:
    print writes the text, then the newline): the reply is read from the marker on.
    """
    start = f"('{marker}', "
    for line in text.splitlines():
        at = line.find(start)
        if at < 0:
            continue
        try:
            value = ast.literal_eval(line[at:].strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        if isinstance(value, tuple) and len(value) == 2 and value[0] == marker:
            return value[1]
        return None
    return None


def parse_kinds(text: str, marker: str) -> Optional[dict[str, str]]:
    """``{name: kind}`` from a names reply: plain names are of kind ``name``."""
    value = parse_answer(text, marker)
    if not isinstance(value, list):
        return None
    kinds: dict[str, str] = {}
    for item in value:
        if isinstance(item, str):
            kinds[item] = "name"
        elif isinstance(item, tuple) and len(item) == 2 and all(isinstance(x, str) for x in item):
            kinds[item[0]] = item[1]
        else:
            return None
    return kinds


def parse_reply(text: str, marker: str) -> Optional[list[str]]:
    """The names in a query's reply, or None when the reply is not the expected answer.

    Only a line that ends with exactly the tuple's ``repr`` counts (another thread's unfinished
    line may come before it: a ``print`` writes its newline apart): an exception
    (``*** NameError``), another thread's output or anything else yields None. CRLF is fine.
    """
    kinds = parse_kinds(text, marker)
    return None if kinds is None else list(kinds)


def unrelated_text(text: str, marker: str) -> str:
    """The lines of a reply that are not the query's own: another thread's output.

    pdb answers ``p`` with one line, the tuple or a ``*** `` error; anything else came from
    elsewhere and belongs on the screen, including what another thread printed just before the
    tuple on its line.
    """
    start = f"('{marker}', "
    kept = []
    for line in text.splitlines(keepends=True):
        at = line.find(start)
        if at >= 0:
            line = line[:at] + ("\n" if at else "")
        if line and not line.lstrip().startswith("*** "):
            kept.append(line)
    return "".join(kept)


class _NotAsked(Exception):
    """The query could not be sent now (not idle at a pdb prompt): nothing learnt, not cached."""


class RemoteNames:
    """A name source over the current session: cached per stop, one query at a time.

    ``session`` returns the current session (None between sessions); ``enabled`` is read on
    every call, so a runtime switch takes effect at once. An answer that missed its deadline
    is cached as "no names" for the rest of the stop: asking again would only block the
    user's next line behind another slow property.
    """

    def __init__(
        self,
        session: Callable[[], Optional[Session]],
        enabled: Callable[[], bool],
        deadline: float = QUERY_DEADLINE,
    ) -> None:
        self._session = session
        self._enabled = enabled
        self._deadline = deadline
        self._stop: Optional[tuple[Session, int]] = None
        self._answers: dict[tuple[str, Optional[str]], asyncio.Future[object]] = {}
        self._lock: Optional[asyncio.Lock] = None  # made in the loop (Python 3.9 binds one)
        self.queries_sent = 0
        """How many side queries went to the debugger (tests and the toolbar may read it)."""

    async def __call__(self, owner: Optional[str]) -> Union[Mapping[str, str], Sequence[str]]:
        """The frame's names (``owner`` None) or ``owner``'s attributes, each with its kind."""
        if owner is not None and not is_plain_owner(owner):
            return ()
        answer = await self._answer("names", owner, lambda m: build_query(owner, m), parse_kinds)
        return answer if isinstance(answer, dict) else ()

    async def keys(self, owner: str) -> Sequence[str]:
        """The string keys of the dict ``owner`` (nothing for any other object)."""
        if not is_plain_owner(owner):
            return ()
        answer = await self._answer(
            "keys", owner, lambda m: build_keys_query(owner, m), parse_answer
        )
        return tuple(answer) if isinstance(answer, list) else ()

    async def source(self, path: str) -> str:
        """The text of ``path`` as the program reads it (what ``b PATH:LINE`` resolves)."""
        answer = await self._answer(
            "source", path, lambda m: build_source_query(path, m), parse_answer
        )
        return answer if isinstance(answer, str) else ""

    async def _answer(
        self,
        what: str,
        about: Optional[str],
        question: Callable[[str], str],
        parse: Callable[[str, str], object],
    ) -> object:
        session = self._session()
        if not self._enabled() or session is None:
            return None
        stop = (session, session.stop_number)
        if self._stop is None or self._stop[0] is not session or self._stop[1] != stop[1]:
            self._stop, self._answers = stop, {}  # the program moved: forget everything
        key = (what, about)
        answer = self._answers.get(key)
        if answer is None:
            answer = asyncio.ensure_future(self._ask(session, stop[1], question, parse))
            answer.add_done_callback(lambda done: self._settle(key, done))
            self._answers[key] = answer
        try:
            # Shielded: a caller that gives up (or is cancelled because the user typed on)
            # leaves the answer to arrive and be cached for the next Tab.
            return await asyncio.wait_for(asyncio.shield(answer), self._deadline)
        except (asyncio.TimeoutError, _NotAsked):
            return None

    def _settle(self, key: tuple[str, Optional[str]], done: asyncio.Future[object]) -> None:
        # Not an answer (not sent, or cancelled): forget it, so that the next Tab asks again.
        failed = done.cancelled() or done.exception() is not None
        if failed and self._answers.get(key) is done:
            del self._answers[key]

    async def _ask(
        self,
        session: Session,
        stop_number: int,
        question: Callable[[str], str],
        parse: Callable[[str, str], object],
    ) -> object:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if session.stop_number != stop_number:
                raise _NotAsked  # the user sent a line while this waited its turn
            marker = "rpdbconnect" + secrets.token_hex(8)
            reply = session.query(question(marker))
            if reply is None:
                raise _NotAsked
            self.queries_sent += 1
            try:
                text = await asyncio.wait_for(asyncio.shield(reply), self._deadline)
            except asyncio.TimeoutError:
                return None
        others = unrelated_text(text, marker)
        if others:
            session.show(others)
        return parse(text, marker)


def make_name_source(
    session: Callable[[], Optional[Session]],
    enabled: Union[bool, Callable[[], bool]] = True,
    deadline: float = QUERY_DEADLINE,
) -> RemoteNames:
    """The name source the REPL hands to ``PdbCompleter(names_async=...)``.

    ``session`` returns the current session or None; ``enabled`` is ``settings.remote_completion``
    or a callable reading a runtime switch.
    """
    check = enabled if callable(enabled) else (lambda: bool(enabled))
    return RemoteNames(session, check, deadline)
