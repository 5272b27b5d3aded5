"""Who is behind a connection: the debugged process, its worker timeout, and who owns it.

Owns what the client learns about the peer without sending it a byte (docs/protocol.md sections 5
and 6): the socket's owner (refusing another user's listener unless trusted: whoever binds the
port first receives everything typed), the PID and a label such as ``uwsgi worker 2``, whether
it is the same process as the previous session, the server-side limit (uWSGI harakiri,
gunicorn timeout, or ``--timeout-hint``) that will kill it, and the encoding it will decode what
is sent with (``host.input_encoding``: ASCII under uWSGI with ``LANG=C``). Standard library only.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from typing import Optional

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
)

ACCEPT_WAIT = 0.05


@dataclass(frozen=True)
class Identity:
    """What is known of the process behind a session."""

    process: Optional[ProcessInfo]
    timeout: Optional[WorkerTimeout]
    same_as_before: Optional[bool]
    """True/False from the second session on, when both PIDs are known; else None."""
    input_encoding: Optional[InputEncoding] = None
    """What the process decodes its input with, when its environment could be read."""

    @property
    def decodes_ascii(self) -> str:
        """Why the process will decode its input as ASCII ("" if it will not, or is unknown).

        One non-ASCII byte kills such a debugger and its request (docs/protocol.md section 3).
        """
        encoding = self.input_encoding
        return encoding.why if encoding is not None and encoding.ascii_only else ""

    def describe(self) -> str:
        """``pid 11851 (uwsgi worker 2), same process`` — or empty when nothing is known."""
        if self.process is None:
            return ""
        text = f"pid {self.process.pid} ({self.process.label})"
        if self.same_as_before is not None:
            text += ", same process" if self.same_as_before else ", new process"
        return text


class UntrustedListener(ConnectError):
    """The port belongs to another user: refused before anything is sent."""


class PeerTracker:
    """Identifies the peer of each session of one run, remembering the previous one."""

    def __init__(self, timeout_hint: Optional[float] = None, trust_owner: bool = False) -> None:
        self._timeout_hint = timeout_hint
        self._trust_owner = trust_owner
        self._last_pid: Optional[int] = None
        self._last_process: Optional[ProcessInfo] = None
        self._timeouts: dict[int, Optional[WorkerTimeout]] = {}
        self._encodings: dict[int, Optional[InputEncoding]] = {}

    async def identify(self, local: tuple[str, int], peer: tuple[str, int]) -> Identity:
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
        timeout = self._hint() or self._timeout_of(process)
        return Identity(process, timeout, same, self._encoding_of(process.pid))

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

    def _encoding_of(self, pid: int) -> Optional[InputEncoding]:
        if pid not in self._encodings:  # its environment does not change: read it once
            self._encodings[pid] = input_encoding_of(pid)
        return self._encodings[pid]

    def _hint(self) -> Optional[WorkerTimeout]:
        if self._timeout_hint is None:
            return None
        return WorkerTimeout(self._timeout_hint, "--timeout-hint", "given")
