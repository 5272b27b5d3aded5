"""Finding debuggers without touching them: ``--list``, ``--json``, ``--pick``, ``--wait --any``.

Real listeners: rpdb, remote-pdb on a random port (port 0), a celery.contrib.rdb stop in a
process named like pool worker 3, and a non-debugger server with a large backlog that must not
be listed. Listing must never connect: afterwards every debugged program still waits, and a
real session with it works and lets it reach its end.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pexpect
import pytest
from debuggee import Debuggee, free_port, remote_pdb_on_a_random_port, run_client, start_client

Start = Callable[..., Debuggee]
APPS = Path(__file__).parent / "apps"


@pytest.fixture
def busy_server() -> Iterator[int]:
    """An ordinary server (backlog 128): not a debugger, never to be listed."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(128)
        yield server.getsockname()[1]


def let_go(program: Debuggee) -> None:
    """A real session: the program must still be waiting, and reach its end."""
    result = run_client("--port", str(program.port), stdin="c\n")
    assert result.returncode == 0, result.stderr
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record


def test_list_shows_waiting_debuggers_and_never_connects(
    debuggee: Start, tmp_path: Path, busy_server: int
) -> None:
    rpdb_program = debuggee("rpdb", "simple")
    remote = remote_pdb_on_a_random_port(tmp_path)
    try:
        listed = run_client("--list", "--json")
        table = run_client("--list")
        assert listed.returncode == 0 and table.returncode == 0, listed.stderr + table.stderr
        entries = {entry["port"]: entry for entry in json.loads(listed.stdout)}
        assert busy_server not in entries
        for program in (rpdb_program, remote):
            entry = entries[program.port]
            assert entry["pid"] == program.process.pid
            assert entry["address"] == "127.0.0.1"
            assert "target.py" in entry["command"]
            assert {"user", "parent_pid"} <= entry.keys()
            assert str(program.port) in table.stdout
        let_go(rpdb_program)
        let_go(remote)
    finally:
        remote.stop()


def test_pick_connects_to_the_chosen_debugger(debuggee: Start) -> None:
    """In a terminal: the list is shown and the entry with our port is chosen; no other is
    touched (a second one of ours, so that there is always a choice; others may be listed)."""
    program = debuggee("rpdb", "simple")
    other = debuggee("rpdb", "simple")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "rpdb_client", "--pick", "--no-history", "--no-toolbar", "--color", "never"],
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm-256color"},
        encoding="utf-8",
        timeout=20,
        dimensions=(24, 100),
    )
    try:
        child.expect(r"Connect to")
        listing = child.before
        assert listing is not None
        assert f"127.0.0.1:{other.port} " in listing, listing
        number = re.search(rf"(\d+)\. 127\.0\.0\.1:{program.port} ", listing)
        assert number, listing
        child.sendline(number.group(1))
        child.expect(r"\(Pdb\)")
        child.sendline("x = 8")
        child.expect(r"\(Pdb\)")
        child.sendline("c")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    record = program.finish()
    assert record["error"] is None and record["values"]["x"] == 8
    assert other.process.poll() is None  # listed, not chosen: still waiting


def test_wait_any_finds_celerys_port_for_pool_worker_3() -> None:
    """The worker's port is CELERY_RDB_PORT + 3; --pid keeps other debuggers out of the test."""
    base = free_port()
    worker = subprocess.Popen(
        [sys.executable, str(APPS / "celery_worker.py")],
        env={**os.environ, "CELERY_RDB_PORT": str(base)},
        stdout=subprocess.PIPE,
        text=True,
    )
    client = start_client(
        "--wait", "--any", "--pid", str(worker.pid), "--count", "1",
        "-c", "p result", "-c", "result = 40",
    )  # fmt: skip
    try:
        assert client.stdin is not None
        client.stdin.close()  # no more commands: detach safely after the -c ones
        worker_out, _ = worker.communicate(timeout=30)
        client.wait(timeout=15)
        out = client.stdout.read() if client.stdout else ""
        err = client.stderr.read() if client.stderr else ""
    finally:
        client.kill()
        worker.kill()
    assert worker.returncode == 0
    assert f"Remote Debugger:{base + 3}: Ready to connect" in worker_out
    assert "result=40" in worker_out
    assert "(Pdb) p result\n5\n" in out
    assert f"connected to 127.0.0.1:{base + 3}" in err


def test_pid_restricts_and_the_others_are_announced(debuggee: Start) -> None:
    first = debuggee("rpdb", "simple")
    second = debuggee("rpdb", "simple")
    only = run_client(
        "--wait", "--any", "--pid", str(second.process.pid), "--count", "1", "-c", "c"
    )
    assert only.returncode == 0, only.stderr
    assert second.finish()["reached_end"] is True
    assert first.process.poll() is None  # not touched: still waiting
    third = debuggee("rpdb", "simple")
    # --pid twice: both of ours, and none of the debuggers other programs may have waiting.
    pids = ("--pid", str(first.process.pid), "--pid", str(third.process.pid))
    both = run_client("--wait", "--any", *pids, "--count", "2", "-c", "c")
    assert both.returncode == 0, both.stderr
    # The one on the lower port is served first and the other announced; then both are served.
    later = max((first, third), key=lambda program: program.port)
    served_next = f"served next: port {later.port} (pid {later.process.pid})"
    assert f"1 more debugger(s) waiting, {served_next}\n" in both.stderr, both.stderr
    for program in (first, third):
        assert f"connected to 127.0.0.1:{program.port}" in both.stderr
    for program in (first, third):
        assert program.finish()["reached_end"] is True
