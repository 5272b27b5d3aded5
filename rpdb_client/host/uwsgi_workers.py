"""Which uWSGI worker a process is: the number uWSGI gave it, not its rank among the children.

uWSGI numbers its workers 1..N and gives a respawned worker (after a harakiri, a crash, a
``kill``) the number of the one it replaces, with a new PID: the order of the master's children
is then wrong (docs/protocol.md section 5, with the measurements). uWSGI records the numbers in
its workers table, an array of ``struct uwsgi_worker`` that begins ``int id; pid_t pid;``, in
memory the master maps shared (``/dev/zero (deleted)`` in ``/proc/PID/maps``). Where the kernel
lets us read the master's memory (the same user, no Yama ``ptrace_scope`` restriction), the
table answers; else the order of the children is trusted only while they all started together
(no respawn yet), and otherwise the number is unknown rather than wrong. (With
``--auto-procname`` the title says it, read in :mod:`.processes`.)

Standard library only, Python 3.7 or newer; reads ``/proc``, never connects, never prints.
"""

from __future__ import annotations

import os
import struct
from typing import Dict, List, Optional, Tuple

# The table is (workers + 1) entries of a few hundred bytes; larger shared regions are uWSGI's
# caches and buffers, never read.
_LARGEST_TABLE = 1 << 18
# A worker number beyond this is not one (uWSGI's --workers is far smaller).
_MOST_WORKERS = 4096
# Workers forked at start-up begin within this long of one another; a respawn comes later.
TOGETHER_SECONDS = 0.5


def worker_number(pid: int, master: int, workers: List[int]) -> Optional[int]:
    """uWSGI's number for worker ``pid`` of ``master`` (``workers``: its worker children)."""
    table = numbers_from_master_memory(master, workers)
    if table is not None:
        return table.get(pid)
    return numbers_from_fork_order(workers).get(pid)


def numbers_from_master_memory(master: int, workers: List[int]) -> Optional[Dict[int, int]]:
    """``{pid: number}`` from the master's workers table, or None when it cannot be read."""
    try:
        with open(f"/proc/{master}/maps") as maps:
            found = (_shared_region(line) for line in maps)
            # Smallest first: the table of a few workers is a page or two.
            regions = sorted((r for r in found if r is not None), key=lambda r: r[1] - r[0])
        with open(f"/proc/{master}/mem", "rb", buffering=0) as memory:
            for region in regions:
                memory.seek(region[0])
                table = _find_table(memory.read(region[1] - region[0]), workers)
                if table is not None:
                    return table
    except (OSError, ValueError, OverflowError):  # not ours to read, gone, or unmapped meanwhile
        return None
    return None


def _shared_region(line: str) -> Optional[Tuple[int, int]]:
    fields = line.split()
    if len(fields) < 6 or fields[1] != "rw-s" or not line.rstrip().endswith("/dev/zero (deleted)"):
        return None
    start, _, end = fields[0].partition("-")
    region = int(start, 16), int(end, 16)
    return region if region[1] - region[0] <= _LARGEST_TABLE else None


def _find_table(data: bytes, workers: List[int]) -> Optional[Dict[int, int]]:
    """The (id, pid) entries of ``workers`` in ``data``, if they form one array."""
    entries: Dict[int, Tuple[int, int]] = {}  # pid -> (number, offset)
    for pid in workers:
        needle = struct.pack("=i", pid)
        at = data.find(needle, 4)
        while at != -1:
            number = struct.unpack_from("=i", data, at - 4)[0]
            if at % 4 == 0 and 1 <= number <= _MOST_WORKERS:
                if pid in entries:  # twice: not a table of unique PIDs
                    return None
                entries[pid] = (number, at)
            at = data.find(needle, at + 1)
    # Some children are not in the table (the HTTP router, a mule); but one lone match among
    # several workers could be any two numbers in a buffer: two at least, in one array.
    if len(entries) < min(2, len(workers)):
        return None
    found = sorted(entries.values())
    numbers = [number for number, _ in found]
    if len(set(numbers)) != len(numbers):
        return None
    if len(found) > 1:  # one array: offset = base + number * size, the same size for all
        (first, first_at), (second, second_at) = found[0], found[1]
        size, remainder = divmod(second_at - first_at, second - first)
        if remainder or size <= 8:
            return None
        if any(at - first_at != (number - first) * size for number, at in found):
            return None
    return {pid: number for pid, (number, _) in entries.items()}


def numbers_from_fork_order(workers: List[int]) -> Dict[int, int]:
    """Numbers by PID order, only while every worker is one of the start-up batch."""
    started = [_start_ticks(pid) for pid in workers]
    known = [ticks for ticks in started if ticks is not None]
    if len(known) != len(workers):
        return {}
    if max(known) - min(known) > TOGETHER_SECONDS * os.sysconf("SC_CLK_TCK"):
        return {}  # one was respawned (or spawned on demand): the order says nothing
    return {pid: rank for rank, pid in enumerate(sorted(workers), 1)}


def _start_ticks(pid: int) -> Optional[int]:
    """When ``pid`` started, in clock ticks since boot (field 22 of ``/proc/PID/stat``)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The fields after the command name, which may hold ")" and spaces.
            return int(stat.read().rpartition(")")[2].split()[19])
    except (OSError, ValueError, IndexError):
        return None
