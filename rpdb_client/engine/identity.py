"""Who is behind a connection: the debugged process, its worker timeout, and who owns it.

Owns what the client learns about the peer without sending it a byte (docs/protocol.md sections 5
and 6): the socket's owner (refusing another user's listener unless trusted: whoever binds the
port first receives everything typed), the PID and a label such as ``uwsgi worker 2``, whether
it is the same process as the previous session or one met earlier in the run, and the
server-side limit (uWSGI harakiri,
gunicorn timeout, or ``--timeout-hint``) that will kill it. Standard library only.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from typing import Optional

from rpdb_client.errors import ConnectError
from rpdb_client.host import (
    ProcessInfo,
    WorkerTimeout,
    describe_process,
    find_connection,
    find_worker_timeout,
    pids_for_inodes,
)

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


class UntrustedListener(ConnectError):
    """The port belongs to another user: refused before anything is sent."""


class PeerTracker:
    """Identifies the peer of each session of one run, remembering every process met.

    A process is known by its PID and command line (a PID reused by another program within one
    run is not the same process), with the first session it was met in.
    """

    def __init__(self, timeout_hint: Optional[float] = None, trust_owner: bool = False) -> None:
        self._timeout_hint = timeout_hint
        self._trust_owner = trust_owner
        self._last_pid: Optional[int] = None
        self._last_process: Optional[ProcessInfo] = None
        self._timeouts: dict[int, Optional[WorkerTimeout]] = {}
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
        self._check_owner(info.uid, peer)
        process = self._process(info.inode)
        if process is None:
            return Identity(None, self._hint(), None)
        same = None if self._last_pid is None else process.pid == self._last_pid
        self._last_pid = process.pid
        met = self._met.setdefault((process.pid, process.argv), session)
        seen_in = met if same is False and met != session else None
        return Identity(process, self._hint() or self._timeout_of(process), same, seen_in)

    def _check_owner(self, uid: int, peer: tuple[str, int]) -> None:
        me = os.getuid()
        if uid == me or me == 0 or self._trust_owner:
            return
        raise UntrustedListener(
            f"port {peer[1]} belongs to another user (uid {uid}), not to you: refused",
            "Whoever binds a port first receives everything typed there, passwords included. "
            "If you trust that user's program, connect with --trust-owner.",
        )

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

    def _hint(self) -> Optional[WorkerTimeout]:
        if self._timeout_hint is None:
            return None
        return WorkerTimeout(self._timeout_hint, "--timeout-hint", "given")
