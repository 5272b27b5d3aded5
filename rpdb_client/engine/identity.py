"""Who is behind a connection: the debugged process, its worker timeout, and who owns it.

Owns what the client learns about the peer without sending it a byte (docs/protocol.md sections 5
and 6): the socket's owner (refusing another user's listener unless trusted: whoever binds the
port first receives everything typed; for root, who debugs other users' workers, the owner is
named and the front end asked, once per user), the PID and a label such as ``uwsgi worker 2``,
whether it is the same process as the previous session or one met earlier in the run, the
server-side limit (uWSGI harakiri, gunicorn timeout, or ``--timeout-hint``) that will kill it,
and the encoding it will decode what is sent with (``host.input_encoding``: ASCII under uWSGI
with ``LANG=C``). Standard library only.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Any, Callable, Optional

from rpdb_client.errors import ConnectError
from rpdb_client.host import (
    InputEncoding,
    ProcessInfo,
    WorkerTimeout,
    describe_process,
    find_connection,
    find_worker_timeout,
    input_encoding_of,
    pids_for_inodes,
    users_of,
)
from rpdb_client.host.frames import encoding_from, process_from, timeout_from

ACCEPT_WAIT = 0.05


@dataclass(frozen=True)
class Identity:
    """What is known of the process behind a session."""

    process: Optional[ProcessInfo]
    timeout: Optional[WorkerTimeout]
    same_as_before: Optional[bool]
    """True/False from the second session on, when both PIDs are known; else None."""
    seen_in: Optional[int] = None
    """Not the previous session's process, but the one of this earlier session of the run."""
    input_encoding: Optional[InputEncoding] = None
    """What the process decodes its input with, when its environment could be read."""

    @property
    def decodes_ascii(self) -> str:
        """Why the process will decode its input as ASCII ("" if it will not, or is unknown).

        One non-ASCII byte kills such a debugger and its request (docs/protocol.md section 3).
        """
        encoding = self.input_encoding
        return encoding.why if encoding is not None and encoding.ascii_only else ""


class UntrustedListener(ConnectError):
    """The port belongs to another user: refused before anything is sent."""


AskOwner = Callable[[str], Awaitable[bool]]
"""Asks the user whether to use a listener another user owns (given who owns it): the REPL."""


class PeerTracker:
    """Identifies the peer of each session of one run, remembering every process met.

    A process is known by its PID and command line (a PID reused by another program within one
    run is not the same process), with the first session it was met in.

    The owner rule: a listener of the user's own (or of the user of a ``--pid`` process) is
    used; another user's is refused before anything is sent unless ``trust_owner``, except that
    root, who debugs other users' workers, is asked through ``ask_owner`` once per owner (no
    ``ask_owner``, as in line mode: refused).
    """

    def __init__(
        self,
        timeout_hint: Optional[float] = None,
        trust_owner: bool = False,
        pids: Iterable[int] = (),
        ask_owner: Optional[AskOwner] = None,
    ) -> None:
        self._timeout_hint = timeout_hint
        self._trust_owner = trust_owner
        self._pids = tuple(pids)
        self._ask_owner = ask_owner
        self._trusted_uids: set[int] = set()
        self.stopped = asyncio.Event()
        """Set when the run stops (Ctrl-C, a signal): a question then pending is a no."""
        self._last_pid: Optional[int] = None
        self._last_process: Optional[ProcessInfo] = None
        self._timeouts: dict[int, Optional[WorkerTimeout]] = {}
        self._encodings: dict[int, Optional[InputEncoding]] = {}
        self._met: dict[tuple[int, tuple[str, ...]], int] = {}

    async def identify(
        self, local: tuple[str, int], peer: tuple[str, int], session: int = 0
    ) -> Identity:
        """Look the peer up through the kernel (about 0.1 ms); raise if another user owns it.

        The server's end of the connection has no inode until its ``accept()`` returns, which
        can lag our ``connect()`` by a fraction of a millisecond: wait for it, briefly.
        """
        info = find_connection(local, peer)
        deadline = time.monotonic() + ACCEPT_WAIT
        while info is not None and not info.inode and time.monotonic() < deadline:
            await asyncio.sleep(0.0005)
            info = find_connection(local, peer)
        if info is None:
            return Identity(None, self._hint(), None)
        process = self._process(info.inode)
        await self._check_owner(info.uid, peer, process, os.getuid(), self._users_of_pids)
        if process is None:
            return Identity(None, self._hint(), None)
        timeout = self._hint() or self._timeout_of(process)
        return self._known(process, session, timeout, self._encoding_of(process.pid))

    async def identify_there(
        self, facts: dict[str, Any], peer: tuple[str, int], session: int = 0
    ) -> Identity:
        """The same, from the facts the helper on another machine read from its kernel
        (``host.identify.peer_facts``); the owner is checked against the user it runs as."""
        process = process_from(facts.get("process"))
        uid = facts.get("uid")
        if uid is None:
            return Identity(None, self._hint(), None)
        users = set(facts.get("pid_users", ()))
        await self._check_owner(int(uid), peer, process, int(facts["me"]), lambda: users)
        if process is None:
            return Identity(None, self._hint(), None)
        timeout = self._hint() or timeout_from(facts.get("timeout"))
        return self._known(process, session, timeout, encoding_from(facts.get("encoding")))

    def _known(
        self,
        process: ProcessInfo,
        session: int,
        timeout: Optional[WorkerTimeout],
        encoding: Optional[InputEncoding],
    ) -> Identity:
        same = None if self._last_pid is None else process.pid == self._last_pid
        self._last_pid = process.pid
        met = self._met.setdefault((process.pid, process.argv), session)
        seen_in = met if same is False and met != session else None
        return Identity(process, timeout, same, seen_in, encoding)

    async def _check_owner(
        self,
        uid: int,
        peer: tuple[str, int],
        process: Optional[ProcessInfo],
        me: int,
        users_of_pids: Callable[[], set[int]],
    ) -> None:
        if uid == me or self._trust_owner or uid in self._trusted_uids:
            return
        if uid in users_of_pids():
            return  # the user named a process of that user: its listener is the one wanted
        # Here, not at the top: wording imports the session, which imports this module.
        from rpdb_client.engine import wording

        owner = wording.listener_owner(peer[1], uid, process)
        if me == 0 and self._ask_owner is not None and await self._asked(owner):
            self._trusted_uids.add(uid)
            return
        raise UntrustedListener(f"{owner}: refused", wording.OWNER_HINT)

    async def _asked(self, owner: str) -> bool:
        """The user's answer about ``owner``; no if the run is stopped meanwhile."""
        assert self._ask_owner is not None
        answer = asyncio.ensure_future(self._ask_owner(owner))
        stopper = asyncio.ensure_future(self.stopped.wait())
        await asyncio.wait({answer, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not answer.done():
            answer.cancel()
            return False
        return answer.result()

    def _users_of_pids(self) -> set[int]:
        return users_of(self._pids)

    def _process(self, inode: int) -> Optional[ProcessInfo]:
        if not inode:
            return None
        first = [self._last_pid] if self._last_pid else []
        pid = pids_for_inodes({inode}, first=first).get(inode)
        if pid is None:
            return None
        if self._last_process is not None and self._last_process.pid == pid:
            return self._last_process  # a --wait loop in one worker: described already
        try:
            self._last_process = describe_process(pid)
        except ProcessLookupError:
            return None
        return self._last_process

    def _timeout_of(self, process: ProcessInfo) -> Optional[WorkerTimeout]:
        if process.pid not in self._timeouts:
            self._timeouts[process.pid] = find_worker_timeout(process)
        return self._timeouts[process.pid]

    def _encoding_of(self, pid: int) -> Optional[InputEncoding]:
        if pid not in self._encodings:  # its environment does not change: read it once
            self._encodings[pid] = input_encoding_of(pid)
        return self._encodings[pid]

    def _hint(self) -> Optional[WorkerTimeout]:
        if self._timeout_hint is None:
            return None
        return WorkerTimeout(self._timeout_hint, "--timeout-hint", "given")
