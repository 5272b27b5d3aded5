"""Names from the debugged program, learnt through side queries, for completion.

Owns the question asked of the debugger (a ``p`` of a marked tuple holding ``dir()``), the
strict reading of its answer, and :class:`RemoteNames`, the cached, deadline-bounded name
source that ``PdbCompleter(names_async=...)`` awaits. The question goes out through
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
from typing import TYPE_CHECKING, Awaitable, Callable, Optional, Sequence, Union

if TYPE_CHECKING:
    from rpdb_client.engine.session import Session

QUERY_DEADLINE = 0.75
"""Seconds a completion waits for the debugger: long enough for a big ``dir()`` over SSH,
short enough that a slow property costs one short pause at Tab."""

NameSource = Callable[[Optional[str]], Awaitable[Sequence[str]]]
"""``names(owner)``: the frame's names (``owner`` None) or the attributes of ``owner``."""

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


def build_query(owner: Optional[str], marker: str) -> str:
    """The pdb line that prints ``(marker, sorted names)`` as one ``repr`` line.

    ``marker`` must be letters and digits. Without an owner: the frame's locals (``dir()``
    evaluated in the frame, as pdb evaluates ``p``) and globals. pdb's ``p`` writes
    ``repr(value)`` on one line (line breaks inside strings are escaped), which
    :func:`parse_reply` reads back with ``ast.literal_eval``, so any name survives the trip.
    """
    if not marker.isalnum():
        raise ValueError(f"marker must be letters and digits: {marker!r}")
    if owner is None:
        listing = f"{_BUILTINS}.dir() + {_BUILTINS}.list({_BUILTINS}.globals())"
    elif is_plain_owner(owner):
        listing = f"{_BUILTINS}.dir({owner})"
    else:
        raise ValueError(f"not a plain dotted name: {owner!r}")
    return f"p ('{marker}', {_BUILTINS}.sorted({_BUILTINS}.set({listing})))"


def parse_reply(text: str, marker: str) -> Optional[list[str]]:
    """The names in a query's reply, or None when the reply is not the expected answer.

    Only a line that ends with exactly the tuple's ``repr`` counts (another thread's unfinished
    line may come before it: a ``print`` writes its newline apart): an exception
    (``*** NameError``), another thread's output or anything else yields None. CRLF is fine.
    """
    start = f"('{marker}', ["
    for line in text.splitlines():
        at = line.find(start)  # after another thread's unfinished line, if one came first
        if at < 0:
            continue
        line = line[at:].strip()
        try:
            value = ast.literal_eval(line)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        if (
            isinstance(value, tuple)
            and len(value) == 2
            and value[0] == marker
            and isinstance(value[1], list)
            and all(isinstance(name, str) for name in value[1])
        ):
            return list(value[1])
        return None
    return None


def unrelated_text(text: str, marker: str) -> str:
    """The lines of a reply that are not the query's own: another thread's output.

    pdb answers ``p`` with one line, the tuple or a ``*** `` error; anything else came from
    elsewhere and belongs on the screen.
    """
    start = f"('{marker}', "
    kept = []
    for line in text.splitlines(keepends=True):
        at = line.find(start)
        if at >= 0:
            kept.append(line[:at])  # another thread's unfinished line, written just before
        elif not line.lstrip().startswith("*** "):
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
        self._answers: dict[Optional[str], asyncio.Future[tuple[str, ...]]] = {}
        self._lock: Optional[asyncio.Lock] = None  # made in the loop (Python 3.9 binds one)
        self.queries_sent = 0
        """How many side queries went to the debugger (tests and the toolbar may read it)."""

    async def __call__(self, owner: Optional[str]) -> Sequence[str]:
        session = self._session()
        if not self._enabled() or session is None:
            return ()
        if owner is not None and not is_plain_owner(owner):
            return ()
        stop = (session, session.stop_number)
        if self._stop is None or self._stop[0] is not session or self._stop[1] != stop[1]:
            self._stop, self._answers = stop, {}  # the program moved: forget everything
        answer = self._answers.get(owner)
        if answer is None:
            answer = asyncio.ensure_future(self._ask(session, stop[1], owner))
            answer.add_done_callback(lambda done: self._settle(owner, done))
            self._answers[owner] = answer
        try:
            # Shielded: a caller that gives up (or is cancelled because the user typed on)
            # leaves the answer to arrive and be cached for the next Tab.
            return await asyncio.wait_for(asyncio.shield(answer), self._deadline)
        except (asyncio.TimeoutError, _NotAsked):
            return ()

    def _settle(self, owner: Optional[str], done: asyncio.Future[tuple[str, ...]]) -> None:
        # Not an answer (not sent, or cancelled): forget it, so that the next Tab asks again.
        failed = done.cancelled() or done.exception() is not None
        if failed and self._answers.get(owner) is done:
            del self._answers[owner]

    async def _ask(
        self, session: Session, stop_number: int, owner: Optional[str]
    ) -> tuple[str, ...]:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if session.stop_number != stop_number:
                raise _NotAsked  # the user sent a line while this waited its turn
            marker = "rpdbconnect" + secrets.token_hex(8)
            reply = session.query(build_query(owner, marker))
            if reply is None:
                raise _NotAsked
            self.queries_sent += 1
            try:
                text = await asyncio.wait_for(asyncio.shield(reply), self._deadline)
            except asyncio.TimeoutError:
                return ()
        others = unrelated_text(text, marker)
        if others:
            session.show(others)
        return tuple(parse_reply(text, marker) or ())


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
