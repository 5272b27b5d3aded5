"""Processes found and stopped by PID: a process's descendants, the processes naming a path.

The tests stop what they start by PID, never by name: :func:`stop_tree` stops a process and
everything it forked (sshd leaves its sessions running when its listener ends), and
:func:`processes_naming` finds the processes that left their parent (a ``ControlPersist`` master
ssh) by a private path in their command line. Each pid is paired with its start time, so that a
pid reused by another process meanwhile is never killed. Reads /proc only.
"""

from __future__ import annotations

import os
import signal
import subprocess


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time) of every process, from /proc/PID/stat."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as file:
                fields = file.read().rpartition(")")[2].split()
        except OSError:
            continue
        table[int(name)] = (int(fields[1]), fields[19])
    return table


def descendants(root: int) -> list[tuple[int, str]]:
    """(pid, start time) of every process below ``root``, parents before their children."""
    table = process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found: list[tuple[int, str]] = []
    todo = [root]
    while todo:
        for child in sorted(children.get(todo.pop(0), ())):
            found.append((child, table[child][1]))
            todo.append(child)
    return found


def kill_processes(processes: list[tuple[int, str]]) -> None:
    """SIGKILL each (pid, start time) still running as that same process (not a reused pid)."""
    for pid, started in processes:
        try:
            with open(f"/proc/{pid}/stat") as file:
                if file.read().rpartition(")")[2].split()[19] != started:
                    continue
            os.kill(pid, signal.SIGKILL)
        except (OSError, IndexError):
            continue


def stop_tree(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process`` (SIGTERM, SIGKILL after 5 s) and kill every process it started, by PID:
    sshd does not stop its sessions when its listener ends."""
    below = descendants(process.pid)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    kill_processes(below)


def processes_naming(text: str) -> list[tuple[int, str]]:
    """(pid, start time) of the processes whose command line contains ``text``.

    A ``ControlPersist`` master ssh leaves its parent (its title: ``ssh: CONTROL_PATH [mux]``),
    so it is found by the private directory its socket is in.
    """
    found = []
    needle = text.encode()
    for pid, (_, started) in process_table().items():
        if pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as file:
                if needle in file.read():
                    found.append((pid, started))
        except OSError:
            continue
    return found
