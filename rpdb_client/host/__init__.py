"""This machine's kernel and ``/proc``: listening sockets, their processes, worker limits.

Owns finding debuggers without touching them (docs/protocol.md sections 5 and 6): the kernel's
socket tables (:mod:`.listeners`), who owns a socket and what that process is
(:mod:`.processes`), the server-side limit that will kill a debugged worker
(:mod:`.worker_limits`), what a process will decode its input with (:mod:`.input_encoding`),
and the join of the first three into debugger candidates (:mod:`.discovery`).

Standard library only, Python 3.7 or newer, and no import from the rest of the package (its
modules import each other relatively): the folder is meant to be copied to another machine and
run by its ``python3`` as a package of its own (tests/test_host_portable.py proves it). It never
connects to a listener (a connect is a quit to a waiting debugger) and never prints; it returns
plain data, and what it cannot read is "unknown", never an error of the client's.

Import it through the names below (``from rpdb_client.host import find_debuggers``).
"""

from __future__ import annotations

from .discovery import DebuggerCandidate, ListenerScan, find_debuggers, find_listener_owner
from .input_encoding import InputEncoding, input_encoding_of
from .listeners import (
    Listener,
    NetlinkUnavailable,
    SocketInfo,
    accepted_per_port,
    find_connection,
    list_listeners,
    same_host,
)
from .processes import (
    ProcessInfo,
    describe_process,
    host_kind,
    looks_like_debugger_host,
    pids_for_inodes,
    user_name,
    users_of,
)
from .server_queue import ServerQueue
from .worker_limits import WorkerTimeout, find_worker_timeout

__all__ = [
    "DebuggerCandidate",
    "InputEncoding",
    "Listener",
    "ListenerScan",
    "NetlinkUnavailable",
    "ProcessInfo",
    "ServerQueue",
    "SocketInfo",
    "WorkerTimeout",
    "accepted_per_port",
    "describe_process",
    "find_connection",
    "find_debuggers",
    "find_listener_owner",
    "find_worker_timeout",
    "host_kind",
    "input_encoding_of",
    "list_listeners",
    "looks_like_debugger_host",
    "pids_for_inodes",
    "same_host",
    "user_name",
    "users_of",
]
