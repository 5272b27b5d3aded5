"""Which uWSGI worker: the number uWSGI gave it, after a respawn too (issue 13 item 14).

A real uWSGI (the test extras build it) with three workers, titled like the master (no
``--auto-procname``); one worker is killed by PID and uWSGI respawns it under a new PID with the
old number. The truth is uWSGI's own log ("spawned uWSGI worker 1 (pid: N, ...)", "Respawned
uWSGI worker 1 (new pid: M)"); the labels must agree with it, or, where the workers table in
the master's memory cannot be read, leave the number out rather than give a wrong one.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from debuggee import free_port, wait_until
from stacks import Stack, tool

from rpdb_client.host import describe_process, uwsgi_workers

_SPAWNED = re.compile(r"(?:spawned|Respawned) uWSGI worker (\d+) \((?:new )?pid: (\d+)")


@pytest.fixture
def three_workers(tmp_path: Path) -> Iterator[Stack]:
    executable = tool("uwsgi")
    assert executable, "uWSGI is a test dependency"
    port = free_port()
    argv = [
        executable, "--master", "--workers", "3", "--http-socket", f"127.0.0.1:{port}",
        "--wsgi-file", "flask_app.py", "--callable", "app", "--home", sys.prefix,
        "--die-on-term", "--need-app",
    ]  # fmt: skip
    stack = Stack(argv, tmp_path, {"RPDB_TEST_PORT": str(free_port())}, port)
    try:
        yield stack
    finally:
        stack.stop()


def workers_by_number(stack: Stack) -> dict[int, int]:
    """uWSGI's own record: worker number -> its current PID, from the log."""
    return {int(number): int(pid) for number, pid in _SPAWNED.findall(stack.log())}


def age(pid: int) -> float:
    """Seconds since ``pid`` started, as /proc counts them."""
    with open("/proc/uptime") as uptime:
        now = float(uptime.read().split()[0])
    with open(f"/proc/{pid}/stat") as stat:
        started = int(stat.read().rpartition(")")[2].split()[19])
    return now - started / os.sysconf("SC_CLK_TCK")


def respawn_worker_1(stack: Stack) -> dict[int, int]:
    before = wait_until(lambda: len(workers_by_number(stack)) == 3 and workers_by_number(stack))
    # A respawn later than the start-up batch's spread, as respawns are (harakiri, a crash).
    later = uwsgi_workers.TOGETHER_SECONDS + 0.05
    wait_until(lambda: all(age(pid) > later for pid in before.values()), 10, "the batch to age")
    os.kill(before[1], signal.SIGKILL)
    wait_until(lambda: "Respawned uWSGI worker 1" in stack.log(), 30, "uWSGI to respawn worker 1")
    after = workers_by_number(stack)
    # The respawned worker 1 is now the newest child: the order of the children says 3.
    assert after[1] > after[3] and after[1] != before[1]
    return after


def test_a_respawned_worker_keeps_the_number_uwsgi_gave_it(three_workers: Stack) -> None:
    workers = respawn_worker_1(three_workers)
    if uwsgi_workers.numbers_from_master_memory(three_workers.process.pid, list(workers.values())):
        for number, pid in workers.items():
            assert describe_process(pid).label == f"uwsgi worker {number}"
    else:  # where the master's memory is not ours to read, at least nothing wrong is said
        assert describe_process(workers[1]).label == "uwsgi worker"


def test_without_the_workers_table_a_number_is_left_out_rather_than_wrong(
    three_workers: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a machine with Yama's ptrace_scope 1, where /proc/MASTER/mem is refused."""
    monkeypatch.setattr(uwsgi_workers, "numbers_from_master_memory", lambda *_: None)
    before = wait_until(
        lambda: len(workers_by_number(three_workers)) == 3 and workers_by_number(three_workers)
    )
    # All of the start-up batch: their order is uWSGI's numbering.
    for number, pid in before.items():
        assert describe_process(pid).label == f"uwsgi worker {number}"
    workers = respawn_worker_1(three_workers)
    assert {describe_process(pid).label for pid in workers.values()} == {"uwsgi worker"}
