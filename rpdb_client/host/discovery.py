"""Finding debuggers on this machine without connecting to them: the data of ``--list``,
``--pick`` and ``--wait --any``.

Owns the join of listening sockets with their processes into debugger candidates (docs/protocol.md
section 5): :func:`find_debuggers` for a listing, and :class:`ListenerScan`, which the runner
polls for ``--wait --any``. A connect is a quit to a waiting debugger, so everything here reads
kernel state only, through :mod:`.listeners` and :mod:`.processes`. What the user sees of it (the
table, the JSON, the choice) is :mod:`rpdb_client.cli.listing`'s.

Standard library only, Python 3.7 or newer, no import from the rest of the package; never
connects, never prints (see :mod:`rpdb_client.host`).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from .listeners import Listener, accepted_per_port, list_listeners, same_host
from .processes import (
    ProcessInfo,
    describe_process,
    looks_like_debugger_host,
    pids_for_inodes,
    user_name,
)
from .worker_limits import WorkerTimeout, find_worker_timeout


@dataclass(frozen=True)
class DebuggerCandidate:
    """A ``listen(1)`` socket that may be a waiting debugger, with its owner when known.

    ``process`` is None when the owner could not be found (another user's process, another PID
    namespace); the user then comes from the socket's uid. ``clients`` counts accepted
    connections on the port: rpdb and celery keep listening during a session, and a second
    client there is accepted into the backlog and then hears nothing (docs/protocol.md section 1).
    """

    listener: Listener
    process: Optional[ProcessInfo]
    timeout: Optional[WorkerTimeout] = None
    clients: int = 0

    @property
    def port(self) -> int:
        return self.listener.port

    @property
    def address(self) -> str:
        return self.listener.address

    @property
    def owner_known(self) -> bool:
        return self.process is not None

    def to_json(self) -> dict[str, Any]:
        """Plain data, JSON-ready: what ``--list --json`` prints for this candidate."""
        proc, entry = self.process, self.listener
        return {
            **{key: getattr(entry, key) for key in ("port", "address", "backlog", "queued")},
            "pid": proc.pid if proc else None,
            "parent_pid": proc.parent_pid if proc else None,
            "uid": proc.uid if proc else entry.uid,
            "user": proc.user if proc else user_name(entry.uid),
            "command": proc.command if proc else None,
            "label": proc.label if proc else None,
            "owner_known": proc is not None,
            "clients": self.clients,
            "timeout": dataclasses.asdict(self.timeout) if self.timeout else None,
        }


def find_listener_owner(port: int, address: str = "127.0.0.1") -> Optional[ProcessInfo]:
    """The process listening on ``address:port``, or on a wildcard address and that port."""
    entries = [
        entry
        for entry in list_listeners()
        if entry.port == port
        and (entry.address in ("0.0.0.0", "::") or same_host(entry.address, address))
    ]
    entries.sort(key=lambda entry: not same_host(entry.address, address))  # exact match first
    owners = pids_for_inodes({entry.inode for entry in entries})
    for pid in (owners[entry.inode] for entry in entries if entry.inode in owners):
        try:
            return describe_process(pid)
        except ProcessLookupError:
            continue
    return None


def find_debuggers() -> list[DebuggerCandidate]:
    """Listening sockets that look like a waiting rpdb, remote-pdb or celery rdb, by port.

    All three call ``listen(1)``: a backlog of exactly 1 is the mark. Sockets whose owner is known
    and is not a debugger host are dropped; those of unknown owners are kept. Without netlink the
    backlog is unknown: then only sockets of known debugger hosts are kept.
    """
    entries = sorted(
        (entry for entry in list_listeners() if entry.backlog in (1, None)),
        key=lambda entry: (entry.port, entry.address),
    )
    owners = pids_for_inodes({entry.inode for entry in entries})
    described: dict[int, Optional[ProcessInfo]] = {}
    for pid in set(owners.values()):
        try:
            described[pid] = describe_process(pid)
        except ProcessLookupError:
            described[pid] = None
    clients = accepted_per_port() if entries else {}
    found: list[DebuggerCandidate] = []
    for entry in entries:
        proc = described.get(owners.get(entry.inode, 0))
        if proc is None and entry.backlog is None:
            continue
        if proc is None or looks_like_debugger_host(proc):
            timeout = find_worker_timeout(proc) if proc else None
            found.append(DebuggerCandidate(entry, proc, timeout, clients.get(entry.port, 0)))
    return found


class ListenerScan:
    """``--wait --any``: the debugger listeners on this machine, newest judgement cached.

    ``pids`` restricts it to debuggers of those processes (``--pid``). Another user's socket is
    never a debugger here unless ``trust_other_users`` (``--trust-owner``) or we are root.

    Polled while waiting, so it stays cheap: one netlink dump of listening sockets (about
    0.1 ms); only a listener not seen before costs a walk of /proc to find its process.
    """

    def __init__(self, pids: Iterable[int] = (), trust_other_users: bool = False) -> None:
        self.pids = tuple(pids)  # empty: debuggers of any process
        self._trust_other_users = trust_other_users
        self._verdicts: dict[int, Optional[ProcessInfo]] = {}
        self._described: dict[int, ProcessInfo] = {}
        self._uid = os.getuid()

    def waiting(self) -> list[tuple[Listener, ProcessInfo]]:
        """Debugger listeners now waiting (backlog 1, owned by a debugger-like process)."""
        found = []
        seen = set()
        for listener in list_listeners():
            if listener.backlog != 1:
                continue
            seen.add(listener.inode)
            if listener.inode not in self._verdicts:
                self._verdicts[listener.inode] = self._judge(listener)
            process = self._verdicts[listener.inode]
            if process is not None:
                found.append((listener, process))
        for inode in set(self._verdicts) - seen:
            del self._verdicts[inode]  # closed: forget it, the inode may come back reused
        return sorted(found, key=lambda item: item[0].port)

    def _judge(self, listener: Listener) -> Optional[ProcessInfo]:
        if listener.uid != self._uid and self._uid != 0 and not self._trust_other_users:
            return None  # another user's socket: never send them what is typed
        # With --pid, only those processes' descriptors are read: no walk of every process.
        found = pids_for_inodes({listener.inode}, first=self.pids, only=bool(self.pids))
        pid = found.get(listener.inode)
        if pid is None or (self.pids and pid not in self.pids):
            return None
        process = self._described.get(pid)
        if process is None:  # a followed program listens anew at every stop: described once
            try:
                process = describe_process(pid)
            except ProcessLookupError:
                return None
            self._described[pid] = process
        return process if looks_like_debugger_host(process) else None
