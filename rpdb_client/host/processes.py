"""Who owns a socket and what that process is.

Owns the ``/proc`` side of discovery: socket inodes to PIDs, a process's user, command line and
short label (``uwsgi worker 2``), from kernel state and files only. ``fd``, ``cwd`` and
``environ`` of other users' processes are private: what we may not read is "unknown", never an
error. Standard library only, Python 3.7 or newer, no import from the rest of the package; never
connects, never prints (see :mod:`rpdb_client.host`).
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
from dataclasses import dataclass
from typing import Generator, Iterable, Iterator, Optional

from .uwsgi_workers import worker_number

__all__ = [
    "ProcessInfo",
    "describe_process",
    "host_kind",
    "looks_like_debugger_host",
    "pids_for_inodes",
    "read_text",
    "readlink",
    "user_name",
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
        """The whole command line, shell-quoted (``--json`` gives it uncut; displays cut it)."""
        # shlex.join is 3.8+; this is its definition.
        return " ".join(shlex.quote(arg) for arg in self.argv) if self.argv else f"[{self.name}]"


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
        yield readlink("0", dir_fd)
        yield readlink("1", dir_fd)
        numbers = sorted((int(name) for name in os.listdir(dir_fd) if name.isdigit()), reverse=True)
        for number in numbers:
            if number > 1:
                yield readlink(str(number), dir_fd)
    except OSError:
        return
    finally:
        os.close(dir_fd)


def readlink(path: str, dir_fd: Optional[int] = None) -> str:
    try:
        return os.readlink(path, dir_fd=dir_fd)
    except OSError:  # an fd closed meanwhile, a cwd we may not read
        return ""


def pids_for_inodes(
    inodes: set[int], *, first: Iterable[int] = (), only: bool = False
) -> dict[int, int]:
    """Map socket inodes to the PID of a process holding them open.

    Walks ``/proc/PID/fd``, ``first`` (e.g. the PID found last time) before the others (with
    ``only``, those alone), and stops as soon as every inode is found. Processes we may not read
    are skipped, so an inode may be missing from the answer. A socket shared by several
    processes gets the first one found.
    """
    wanted = {f"socket:[{inode}]": inode for inode in inodes if inode > 0}
    found: dict[int, int] = {}
    for pid in (list(first) if only else _pids(first)) if wanted else ():
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


# --- describing a process -----------------------------------------------------------------------


def read_text(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")
    except OSError:
        return None


def _argv(pid: Optional[int]) -> tuple[str, ...]:
    raw = read_text(f"/proc/{pid}/cmdline") if pid else None
    # A setproctitle title is one string without NULs.
    return tuple(raw.rstrip("\0").split("\0")) if raw else ()


def user_name(uid: Optional[int]) -> str:
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


def host_kind(name: str, argv: tuple[str, ...]) -> Optional[str]:
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
        fields = (read_text(f"/proc/{child}/stat") or "").rpartition(")")[2].split(None, 2)
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
    if parent is None or host_kind("", parent_argv) != "uwsgi" or emperor:
        return "uwsgi master"
    # Not the rank among the children: a respawned worker keeps its number under a new PID.
    siblings = [child for child in _children(parent) if _argv(child) == argv]
    number = worker_number(pid, parent, siblings) if pid in siblings else None
    return f"uwsgi worker {number}" if number else "uwsgi worker"


def _label(pid: int, name: str, argv: tuple[str, ...], parent: Optional[int]) -> str:
    kind = host_kind(name, argv)
    in_pool = kind is not None and host_kind("", _argv(parent)) == kind  # a master's child
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
    text = read_text(f"/proc/{pid}/status")
    if text is None:
        raise ProcessLookupError(pid)
    status = {
        key: value.strip() for key, _, value in (ln.partition(":") for ln in text.split("\n"))
    }
    argv, name = _argv(pid), status.get("Name", "")
    ppid = int(status.get("PPid") or 0) or None
    uids = status.get("Uid", "").split()
    uid = int(uids[1]) if len(uids) > 1 else None  # effective, as ps shows it
    return ProcessInfo(pid, ppid, uid, user_name(uid), name, argv, _label(pid, name, argv, ppid))


def users_of(pids: Iterable[int]) -> set[int]:
    """The uids of the processes of ``pids`` that can be read (``--pid``'s owners)."""
    users = set()
    for pid in pids:
        try:
            uid = describe_process(pid).uid
        except (ProcessLookupError, OSError):
            continue
        if uid is not None:
            users.add(uid)
    return users


def looks_like_debugger_host(info: ProcessInfo) -> bool:
    """A Python process, or one whose command line shows uwsgi, gunicorn, celery or twistd."""
    return _is_python(info.name, info.argv) or host_kind(info.name, info.argv) is not None
