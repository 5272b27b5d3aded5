"""Who owns a socket, what that process is, and how long its server lets it live.

Owns the ``/proc`` side of discovery: socket inodes to PIDs, a process's user, command line and
short label (``uwsgi worker 2``), the worker timeouts that will kill a debugging session (uWSGI
harakiri, gunicorn ``--timeout``: PROTOCOL.md section 6), and the join of listeners with their
processes into debugger candidates. It reads kernel state and files only and never connects to a
listener. ``fd``, ``cwd`` and ``environ`` of other users' processes are private: what we may not
read is "unknown", never an error. Standard library only.
"""

from __future__ import annotations

import dataclasses
import os
import pwd
import re
import shlex
import time
from dataclasses import dataclass
from typing import Any, Generator, Iterable, Iterator, Literal, Optional

from rpdb_client.listeners import (
    Listener,
    accepted_per_port,
    find_connection,
    list_listeners,
    same_host,
)

__all__ = [
    "DebuggerCandidate",
    "ProcessInfo",
    "WorkerTimeout",
    "describe_process",
    "find_debuggers",
    "find_listener_owner",
    "find_worker_timeout",
    "looks_like_debugger_host",
    "pid_for_connection",
    "pids_for_inodes",
]

_PYTHON = re.compile(r"^(python|pypy)[0-9.]*[a-z]?$", re.IGNORECASE)
# Entry points and binaries (gunicorn3, uwsgi-core, python -m celery), but not app.py files
# that merely mention a host in their name.
_HOST_PROGRAM = re.compile(r"^(uwsgi|gunicorn|celery|twistd)(?:[-_][a-z0-9]+|[0-9.]+)?$")
# Process titles: "uWSGI worker 1" (--auto-procname), "gunicorn: worker [app]" and
# "[celeryd: celery@host:ForkPoolWorker-1]" (setproctitle).
_HOST_TITLE = re.compile(r"^\[?(uwsgi|gunicorn|celery)d?[: ]")
_UWSGI_TITLE = re.compile(r"^uWSGI (master|worker|http|mule|spooler)\b ?(\d*)", re.IGNORECASE)
_POOL_WORKER = re.compile(r"ForkPoolWorker-(\d+)")
_GUNICORN_CONF_TIMEOUT = re.compile(r"^timeout\s*=\s*([0-9.]+)\s*(?:#.*)?$", re.MULTILINE)
_COMMAND_WIDTH = 80


@dataclass(frozen=True)
class ProcessInfo:
    """A process as ``/proc`` shows it. ``argv`` is empty for kernel threads and zombies."""

    pid: int
    parent_pid: Optional[int]
    uid: Optional[int]
    user: str
    name: str  # /proc/PID/comm: the executable's (or a #! script's) name, 15 characters at most
    argv: tuple[str, ...]
    label: str

    @property
    def command(self) -> str:
        """The command line, shell-quoted and cut to one short line."""
        text = shlex.join(self.argv) if self.argv else f"[{self.name}]"
        return text if len(text) <= _COMMAND_WIDTH else text[: _COMMAND_WIDTH - 1] + "…"


@dataclass(frozen=True)
class WorkerTimeout:
    """A server-side limit that kills the debugged worker ``seconds`` after a request began."""

    seconds: float
    source: str
    kind: Literal["harakiri", "gunicorn-timeout", "given"]


@dataclass(frozen=True)
class DebuggerCandidate:
    """A ``listen(1)`` socket that may be a waiting debugger, with its owner when known.

    ``process`` is None when the owner could not be found (another user's process, another PID
    namespace); the user then comes from the socket's uid. ``clients`` counts accepted
    connections on the port: rpdb and celery keep listening during a session, and a second
    client there is accepted into the backlog and then hears nothing (PROTOCOL.md section 1).
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
            "user": proc.user if proc else _user_name(entry.uid),
            "command": proc.command if proc else None,
            "label": proc.label if proc else None,
            "owner_known": proc is not None,
            "clients": self.clients,
            "timeout": dataclasses.asdict(self.timeout) if self.timeout else None,
        }


# --- inode -> pid -------------------------------------------------------------------------------


def _pids(first: Iterable[int] = ()) -> Iterator[int]:
    """The hinted PIDs, then all others newest first: debugged workers are usually younger than
    the system daemons, which hold most of a machine's file descriptors."""
    hinted = [pid for pid in first if pid > 0]
    yield from hinted
    try:
        names = os.listdir("/proc")
    except OSError:
        return
    yield from sorted((int(n) for n in names if n.isdigit() and int(n) not in hinted), reverse=True)


def _fd_links(pid: int) -> Generator[str, None, None]:
    """What the fds of ``pid`` point to; nothing if we may not look (not ours, or gone).

    The likeliest debugger sockets come first, so a search can stop early: fds 0 and 1 (rpdb
    ``dup2()``s its client socket there), then the highest numbers, the newest fds (rpdb leaks
    two fds per ``set_trace()``, so a long-lived worker's low numbers are old leftovers).
    """
    try:
        dir_fd = os.open(f"/proc/{pid}/fd", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:  # readlink relative to a directory fd: no path walk per fd
        yield _readlink("0", dir_fd)
        yield _readlink("1", dir_fd)
        numbers = sorted((int(name) for name in os.listdir(dir_fd) if name.isdigit()), reverse=True)
        for number in numbers:
            if number > 1:
                yield _readlink(str(number), dir_fd)
    except OSError:
        return
    finally:
        os.close(dir_fd)


def _readlink(path: str, dir_fd: Optional[int] = None) -> str:
    try:
        return os.readlink(path, dir_fd=dir_fd)
    except OSError:  # an fd closed meanwhile, a cwd we may not read
        return ""


def pids_for_inodes(inodes: set[int], *, first: Iterable[int] = ()) -> dict[int, int]:
    """Map socket inodes to the PID of a process holding them open.

    Walks ``/proc/PID/fd``, ``first`` (e.g. the PID found last time) before the others, and
    stops as soon as every inode is found. Processes we may not read are skipped, so an inode may
    be missing from the answer. A socket shared by several processes gets the first one found.
    """
    wanted = {f"socket:[{inode}]": inode for inode in inodes if inode > 0}
    found: dict[int, int] = {}
    for pid in _pids(first) if wanted else ():
        links = _fd_links(pid)
        try:
            for link in links:
                if link in wanted:
                    found[wanted.pop(link)] = pid
                    if not wanted:
                        return found
        finally:
            links.close()  # closes the /proc directory at once, not when collected
    return found


def pid_for_connection(
    local: tuple[str, int],
    remote: tuple[str, int],
    *,
    first: Iterable[int] = (),
    wait: float = 0.05,
) -> Optional[int]:
    """The PID of the server process behind our connected socket, without sending anything.

    Pass ``sock.getsockname()`` and ``sock.getpeername()``. The server's end has no inode until
    its ``accept()`` returns, which may lag our ``connect()``: poll up to ``wait`` seconds.
    """
    deadline = time.monotonic() + wait
    info = find_connection(local, remote)
    while info is not None and not info.inode and time.monotonic() < deadline:
        time.sleep(0.0005)
        info = find_connection(local, remote)
    if info is None or not info.inode:
        return None
    return pids_for_inodes({info.inode}, first=first).get(info.inode)


# --- describing a process -----------------------------------------------------------------------


def _read_text(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")
    except OSError:
        return None


def _argv(pid: Optional[int]) -> tuple[str, ...]:
    raw = _read_text(f"/proc/{pid}/cmdline") if pid else None
    # A setproctitle title is one string without NULs.
    return tuple(raw.rstrip("\0").split("\0")) if raw else ()


def _user_name(uid: Optional[int]) -> str:
    try:
        return pwd.getpwuid(uid).pw_name if uid is not None else "?"
    except KeyError:
        return str(uid)


def _program(argv: tuple[str, ...]) -> tuple[str, bool]:
    """What a command line runs: the executable, or for Python the script or module, and
    whether it is a ``-m`` module."""
    first = os.path.basename(argv[0]) if argv else ""
    if not _PYTHON.match(first):
        return first, False
    args = iter(argv[1:])
    for arg in args:
        if arg.startswith("-m"):
            return arg[2:] or next(args, ""), True
        if arg.startswith("-c"):
            return "-c", False
        if arg in ("-W", "-X", "--check-hash-based-pycs"):
            next(args, None)
        elif not arg.startswith("-") or arg == "-":
            return os.path.basename(arg), False
    return first, False


def _host_kind(name: str, argv: tuple[str, ...]) -> Optional[str]:
    """Which of uwsgi, gunicorn, celery, twistd a process is, if any."""
    title = _HOST_TITLE.match(argv[0].lower()) if argv else None
    if title:
        return title.group(1)
    for word in (_program(argv)[0].lower(), name.lower()):
        match = _HOST_PROGRAM.match(word)
        if match:
            return match.group(1)
    return None


def _is_python(name: str, argv: tuple[str, ...]) -> bool:
    first = os.path.basename(argv[0]) if argv else ""
    return bool(_PYTHON.match(name) or _PYTHON.match(first))


def _children(pid: int) -> list[int]:
    """Children of ``pid`` in PID order, from ``/proc/*/stat`` (``/proc/PID/task/*/children``
    needs CONFIG_PROC_CHILDREN, which is not always built)."""
    found: list[int] = []
    for child in _pids():
        # The parent is the 2nd field after the command name, which may hold ")" and spaces.
        fields = (_read_text(f"/proc/{child}/stat") or "").rpartition(")")[2].split(None, 2)
        if fields[1:2] == [str(pid)]:
            found.append(child)
    return sorted(found)


def _uwsgi_label(pid: int, argv: tuple[str, ...], parent: Optional[int]) -> str:
    title = _UWSGI_TITLE.match(argv[0]) if argv else None
    if title:  # --auto-procname: uWSGI names its processes itself
        return " ".join(("uwsgi", title.group(1).lower(), title.group(2))).strip()
    parent_argv = _argv(parent)
    # The Emperor (uwsgi --emperor DIR) is the parent of masters, not of workers.
    emperor = any("emperor" in arg.lower() for arg in parent_argv)
    if parent is None or _host_kind("", parent_argv) != "uwsgi" or emperor:
        return "uwsgi master"
    # Workers are forked in order; a respawned worker or an HTTP router breaks this: best guess.
    siblings = [child for child in _children(parent) if _argv(child) == argv]
    return f"uwsgi worker {siblings.index(pid) + 1}" if pid in siblings else "uwsgi worker"


def _label(pid: int, name: str, argv: tuple[str, ...], parent: Optional[int]) -> str:
    kind = _host_kind(name, argv)
    in_pool = kind is not None and _host_kind("", _argv(parent)) == kind  # a master's child
    if kind == "uwsgi":
        return _uwsgi_label(pid, argv, parent)
    if kind == "gunicorn":
        title = argv[0].split("gunicorn: ", 1) if argv else []
        if len(title) == 2:  # setproctitle: "gunicorn: worker [app:app]"
            return "gunicorn " + title[1].split(" ", 1)[0]
        return "gunicorn worker" if in_pool else "gunicorn master"
    if kind == "celery":
        pool = _POOL_WORKER.search(" ".join(argv))
        if pool:
            return f"celery worker {pool.group(1)}"
        return "celery worker" if in_pool else "celery main"
    if kind == "twistd":
        return "twistd"
    program, module = _program(argv)
    if not _is_python(name, argv):
        return program or name
    if module:
        return f"python -m {program}"
    return "python" if _PYTHON.match(program) else f"python {program}"


def describe_process(pid: int) -> ProcessInfo:
    """What ``pid`` is. Raises ``ProcessLookupError`` when it is gone or hidden from us."""
    text = _read_text(f"/proc/{pid}/status")
    if text is None:
        raise ProcessLookupError(pid)
    status = {
        key: value.strip() for key, _, value in (ln.partition(":") for ln in text.split("\n"))
    }
    argv, name = _argv(pid), status.get("Name", "")
    ppid = int(status.get("PPid") or 0) or None
    uids = status.get("Uid", "").split()
    uid = int(uids[1]) if len(uids) > 1 else None  # effective, as ps shows it
    return ProcessInfo(pid, ppid, uid, _user_name(uid), name, argv, _label(pid, name, argv, ppid))


def looks_like_debugger_host(info: ProcessInfo) -> bool:
    """A Python process, or one whose command line shows uwsgi, gunicorn, celery or twistd."""
    return _is_python(info.name, info.argv) or _host_kind(info.name, info.argv) is not None


# --- server timeouts ----------------------------------------------------------------------------


def _options(argv: Iterable[str], names: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """(key, spelling, value) for each option of ``names`` (spelling -> key) in ``argv``, in
    order: ``--opt value``, ``--opt=value``, ``-tVALUE``. Other words come as ``("", w, w)`` so a
    caller can spot positional config files."""
    args = iter(argv)
    for arg in args:
        long_name, equals, attached = arg.partition("=")
        if arg in names:
            yield names[arg], arg, next(args, "")
        elif equals and long_name in names and long_name.startswith("--"):
            yield names[long_name], long_name, attached
        elif arg[:2] in names and len(arg) > 2 and not arg.startswith("--"):
            yield names[arg[:2]], arg[:2], arg[2:]
        elif not arg.startswith("-"):
            yield "", arg, arg


def _seconds(value: Optional[str]) -> Optional[float]:
    try:
        seconds = float((value or "").strip())
    except ValueError:  # also an ini placeholder such as %(timeout)
        return None
    return seconds if seconds >= 0 else None


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # unbalanced quotes
        return text.split()


def _environ(pid: int, name: str) -> str:
    pairs = (item.partition("=") for item in (_read_text(f"/proc/{pid}/environ") or "").split("\0"))
    return next((value for key, _, value in pairs if key == name), "")


def _config_text(path: str, pids: Iterable[int]) -> Optional[str]:
    """A config file named on a command line, relative to the cwd of the first of ``pids`` whose
    cwd we may read (the worker, then its master: both started in the same directory)."""
    cwd = next((cwd for cwd in (_readlink(f"/proc/{pid}/cwd") for pid in pids) if cwd), "")
    return _read_text(os.path.join(cwd, path)) if cwd or os.path.isabs(path) else None


def _ini_harakiri(spec: str, pids: list[int]) -> Optional[float]:
    """``harakiri`` from the ``[uwsgi]`` section (or ``--ini file:section``); last one wins."""
    path, section = spec.rsplit(":", 1) if ":" in spec and not spec.endswith(".ini") else (spec, "")
    value, current = None, ""
    for raw in (_config_text(path, pids) or "").splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
        elif current == (section or "uwsgi") and line.partition("=")[0].strip() == "harakiri":
            value = line.partition("=")[2]
    return _seconds(value)


def _uwsgi_timeout(procs: list[ProcessInfo]) -> Optional[WorkerTimeout]:
    pids = [proc.pid for proc in procs]
    names = {"--harakiri": "harakiri", "-t": "harakiri", "--ini": "ini"}
    for proc in procs:
        found: Optional[WorkerTimeout] = None
        # uWSGI applies its options in command-line order: the last one wins.
        for key, spelling, value in _options(proc.argv[1:], names):
            seconds, source = None, f"uwsgi ini file {value}"
            if key == "harakiri":
                seconds, source = _seconds(value), f"uwsgi {spelling}"
            elif key == "ini" or (not key and value.endswith(".ini")):  # uwsgi app.ini works too
                seconds = _ini_harakiri(value, pids)
            if seconds is not None:
                found = WorkerTimeout(seconds, source, "harakiri")
        if found is not None:
            return found if found.seconds > 0 else None  # harakiri 0 means off
    seconds = _seconds(_environ(pids[-1], "UWSGI_HARAKIRI"))
    return WorkerTimeout(seconds, "uwsgi UWSGI_HARAKIRI", "harakiri") if seconds else None


def _gunicorn_timeout(procs: list[ProcessInfo]) -> Optional[WorkerTimeout]:
    pids = [proc.pid for proc in procs]
    names = {"--timeout": "timeout", "-t": "timeout", "--config": "config", "-c": "config"}
    found: Optional[WorkerTimeout] = None
    for proc in procs:
        config = "gunicorn.conf.py"  # gunicorn reads it from its cwd when no --config is given
        # gunicorn's precedence: command line over GUNICORN_CMD_ARGS over the config file.
        env = _split(_environ(proc.pid, "GUNICORN_CMD_ARGS"))
        for origin, argv in (("GUNICORN_CMD_ARGS", env), ("gunicorn", list(proc.argv[1:]))):
            for key, spelling, value in _options(argv, names):
                seconds = _seconds(value) if key == "timeout" else None
                if seconds is not None:
                    found = WorkerTimeout(seconds, f"{origin} {spelling}", "gunicorn-timeout")
                elif key == "config" and not value.startswith("python:"):
                    config = value
        match = _GUNICORN_CONF_TIMEOUT.search(_config_text(config, pids) or "")
        if found is None and match and _seconds(match.group(1)) is not None:
            found = WorkerTimeout(
                float(match.group(1)), f"gunicorn config file {config}", "gunicorn-timeout"
            )
        if found is not None:
            return found if found.seconds > 0 else None  # --timeout 0 means off
    # With setproctitle the command line is gone; the default is then only a guess.
    hidden = all("gunicorn: " in proc.argv[0] for proc in procs if proc.argv)
    source = "gunicorn default (command line hidden by its title)" if hidden else "gunicorn default"
    return WorkerTimeout(30.0, source, "gunicorn-timeout")


def find_worker_timeout(info: ProcessInfo) -> Optional[WorkerTimeout]:
    """The uWSGI harakiri or gunicorn timeout that will kill this process mid-session, if any.

    Reads the process and then its parent (the master, which has the same command line unless a
    process title replaced it). Unreadable files and private ``/proc`` entries count as unset.
    """
    kind = _host_kind(info.name, info.argv)
    if kind not in ("uwsgi", "gunicorn"):
        return None
    procs = [info]
    try:
        parent = describe_process(info.parent_pid) if info.parent_pid else None
    except ProcessLookupError:
        parent = None
    if parent is not None and _host_kind(parent.name, parent.argv) == kind:
        procs.append(parent)
    return _uwsgi_timeout(procs) if kind == "uwsgi" else _gunicorn_timeout(procs)


# --- debugger candidates ------------------------------------------------------------------------


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
