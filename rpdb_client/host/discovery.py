"""Finding debuggers on this machine without connecting to them: ``--list``, ``--pick``, ``--any``.

Owns the join of listening sockets with their processes into debugger candidates (docs/protocol.md
section 5), and the user-facing side of discovery: the table and JSON of ``--list``, the choice
of ``--pick``, and :class:`ListenerScan`, which the runner polls for ``--wait --any``. A connect
is a quit to a waiting debugger, so everything here reads kernel state only, through
:mod:`rpdb_client.host.listeners` and :mod:`rpdb_client.host.processes`.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Optional

from rpdb_client.config import Settings
from rpdb_client.errors import ConnectError, ExitStatus, UsageError
from rpdb_client.host.listeners import Listener, accepted_per_port, list_listeners, same_host
from rpdb_client.host.processes import (
    ProcessInfo,
    describe_process,
    looks_like_debugger_host,
    pids_for_inodes,
    user_name,
)
from rpdb_client.host.worker_limits import WorkerTimeout, find_worker_timeout


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


NONE_WAITING = "no debugger is waiting on this machine (a listening socket with backlog 1)"


def connect_address(address: str) -> str:
    """Where to connect for a listener bound to ``address`` (a wildcard means loopback)."""
    if address in ("0.0.0.0", ""):
        return "127.0.0.1"
    if address == "::":
        return "::1"
    return address


def describe(candidate: DebuggerCandidate) -> str:
    """One line for a listener: port, PID and what the process is."""
    process = candidate.process
    where = f"{connect_address(candidate.address)}:{candidate.port}"
    if process is None:
        return f"{where}  pid unknown (owned by uid {candidate.listener.uid}, not readable here)"
    parent = f", parent {process.parent_pid}" if process.parent_pid else ""
    busy = ", a client is attached" if candidate.clients else ""
    return f"{where}  pid {process.pid} ({process.label}{parent}{busy})  {_short(process.command)}"


def _short(command: str, width: int = 60) -> str:
    return command if len(command) <= width else command[: width - 1] + "…"


def print_debuggers(settings: Settings) -> ExitStatus:
    """``--list``: what waits on this machine, as a table or (``--json``) a JSON list."""
    candidates = find_debuggers()
    if settings.json:
        print(json.dumps([candidate.to_json() for candidate in candidates], indent=2))
        return ExitStatus.OK
    if not candidates:
        print(NONE_WAITING, file=sys.stderr)
        return ExitStatus.OK
    print(f"{'PORT':>5}  {'ADDRESS':<15} {'PID':>7}  {'USER':<10} {'PARENT':>7}  PROCESS")
    for candidate in candidates:
        info = candidate.to_json()
        print(
            f"{info['port']:>5}  {connect_address(info['address']):<15} "
            f"{_text(info['pid']):>7}  {_text(info['user']):<10} {_text(info['parent_pid']):>7}  "
            f"{_text(info['label'])}: {_short(_text(info['command']))}"
        )
    if any(not candidate.owner_known for candidate in candidates):
        print("(pid unknown: the process belongs to another user; run as root to see it)")
    return ExitStatus.OK


def _text(value: object) -> str:
    return "?" if value is None else str(value)


def pick(settings: Settings) -> Settings:
    """``--pick``: the settings of the debugger the user chose (one found: that one)."""
    candidates = find_debuggers()
    if not candidates:
        raise ConnectError(NONE_WAITING, "Use --wait --any to wait for the next one to appear.")
    if len(candidates) == 1:
        chosen = candidates[0]
    else:
        if not sys.stdin.isatty():
            raise UsageError("--pick needs a terminal to ask which debugger to connect to")
        import click

        for number, candidate in enumerate(candidates, 1):
            click.echo(f"{number:>3}. {describe(candidate)}", err=True)
        index = click.prompt(
            "Connect to", type=click.IntRange(1, len(candidates)), default=1, err=True
        )
        chosen = candidates[index - 1]
    return dataclasses.replace(settings, host=connect_address(chosen.address), port=chosen.port)


def is_local(host: str) -> bool:
    """True for loopback addresses and names (where /proc can tell who is behind a port)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ListenerScan:
    """``--wait --any``: the debugger listeners on this machine, newest judgement cached.

    Polled while waiting, so it stays cheap: one netlink dump of listening sockets (about
    0.1 ms); only a listener not seen before costs a walk of /proc to find its process.
    """

    def __init__(self, pid: Optional[int] = None, trust_other_users: bool = False) -> None:
        self._pid = pid
        self._trust_other_users = trust_other_users
        self._verdicts: dict[int, Optional[ProcessInfo]] = {}
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
        first = [self._pid] if self._pid else []
        pid = pids_for_inodes({listener.inode}, first=first).get(listener.inode)
        if pid is None or (self._pid is not None and pid != self._pid):
            return None
        try:
            process = describe_process(pid)
        except ProcessLookupError:
            return None
        return process if looks_like_debugger_host(process) else None
