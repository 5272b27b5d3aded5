"""The port guard: no test's client may connect to a debugger that the test run did not start.

Loaded by every Python process the tests start (``tests/conftest.py`` puts this folder first on
``PYTHONPATH``) and by the test process itself. An audit hook looks at each TCP connect to a
loopback address: when a socket listens on that port and no process started by the test run (a
descendant of the pytest process, ``RPDB_TEST_ROOT_PID``) holds it, the connect is refused before
it happens, so a debugger of the developer's own is never touched (a connect is a quit to a waiting
debugger), and the port is written to ``RPDB_TEST_GUARD_LOG``, which fails the test. The lookups
read ``/proc`` only.

Standard library only, and a no-op on Pythons without audit hooks (before 3.8) and outside tests.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Optional

_LOOPBACK_PREFIXES = ("127.", "::1", "::ffff:127.", "localhost")
_checked: dict[tuple[int, int, int], bool] = {}


def _listening_inodes(port: int) -> set[int]:
    wanted = f":{port:04X}"
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as file:
                next(file)
                for line in file:
                    fields = line.split()
                    if fields[3] == "0A" and fields[1].endswith(wanted):
                        inodes.add(int(fields[9]))
        except OSError:
            continue
    return inodes


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as file:
                parent = int(file.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(name))
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _holds(pid: int, inodes: set[int]) -> bool:
    links = {f"socket:[{inode}]" for inode in inodes}
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for name in names:
        try:
            if os.readlink(f"/proc/{pid}/fd/{name}") in links:
                return True
        except OSError:
            continue
    return False


def foreign_listener(port: int, root: int) -> Optional[str]:
    """Why a connect to ``port`` is foreign (who holds the listener), or None when it is ours."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None  # nobody listens: the connect is refused by the kernel anyway
    key = (root, port, min(inodes))
    if key not in _checked:
        ours = any(_holds(pid, inodes) for pid in _descendants(root))
        if not ours and not inodes & _listening_inodes(port):
            return None  # it closed while we looked: the connect is refused anyway
        _checked[key] = ours
    if _checked[key]:
        return None
    return f"port {port}: its listener was not started by this test run"


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.connect":
        return
    root, log = os.environ.get("RPDB_TEST_ROOT_PID"), os.environ.get("RPDB_TEST_GUARD_LOG")
    address = args[1]
    if not (root and log and isinstance(address, tuple) and len(address) >= 2):
        return
    host, port = str(address[0]), address[1]
    if not isinstance(port, int) or not host.startswith(_LOOPBACK_PREFIXES):
        return
    reason = foreign_listener(port, int(root))
    if reason is None:
        return
    with open(log, "a") as file:
        file.write(f"pid {os.getpid()} ({' '.join(sys.argv)[:120]}): {reason}\n")
    raise ConnectionRefusedError(111, f"refused by the tests' port guard: {reason}")


def install() -> None:
    """Install the audit hook once per process (it cannot be removed, so it reads the env)."""
    if hasattr(sys, "addaudithook") and not getattr(sys, "_rpdb_test_port_guard", False):
        sys._rpdb_test_port_guard = True  # type: ignore[attr-defined]
        sys.addaudithook(_hook)


install()
