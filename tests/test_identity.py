"""Which process a session is in, same or new across sessions, and worker timeouts.

Real rpdb programs; the harakiri case uses a stand-in: Python started through a link named
``uwsgi`` with ``--harakiri 2`` on its command line, which SIGKILLs itself when the limit
passes, as uWSGI's master would (a real uWSGI runs in the end-to-end tests).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import sysconfig
from pathlib import Path
from typing import Any, Callable

import pytest
from debuggee import Debuggee, free_port, is_listening, run_client, start_client, wait_until
from terminal import Terminal

Start = Callable[..., Debuggee]


def test_first_line_names_the_process(debuggee: Start) -> None:
    program = debuggee("rpdb", "simple")
    result = run_client("--port", str(program.port), stdin="c\n")
    assert result.returncode == 0, result.stderr
    assert f"connected to 127.0.0.1:{program.port}: pid {program.process.pid} (python" in (
        result.stderr
    )


def test_same_process_across_a_loop(debuggee: Start) -> None:
    program = debuggee("rpdb", "loop3")
    result = run_client("--port", str(program.port), "--wait", "--count", "3", "-c", "c")
    assert result.returncode == 0, result.stderr
    connected = [line for line in result.stderr.splitlines() if "connected to" in line]
    assert len(connected) == 3
    assert "same process" not in connected[0] and "new process" not in connected[0]
    assert all(f"pid {program.process.pid}" in line for line in connected)
    assert all("same process" in line for line in connected[1:])
    assert program.finish()["reached_end"] is True


def test_new_process_when_another_one_stops(tmp_path: Path) -> None:
    port = free_port()
    client = start_client("--port", str(port), "--wait", "--count", "2", "-c", "c")
    programs = []
    try:
        for _ in range(2):  # one after the other on the same port, each let go by `-c c`
            programs.append(Debuggee("rpdb", "simple", tmp_path, port=port))
            assert programs[-1].finish()["reached_end"] is True
        client.wait(timeout=15)
        stderr = client.stderr.read() if client.stderr else ""
    finally:
        client.kill()
        for program in programs:
            program.stop()
    assert client.returncode == 0, stderr
    connected = [line for line in stderr.splitlines() if "connected to" in line]
    assert f"pid {programs[0].process.pid}" in connected[0]
    assert f"pid {programs[1].process.pid}" in connected[1] and "new process" in connected[1]


def _uwsgi_stand_in(tmp_path: Path) -> tuple[str, dict[str, str]]:
    link = tmp_path / "uwsgi"
    link.symlink_to(os.path.realpath(sys.executable))
    # Started through another name, Python no longer finds the virtual environment.
    return str(link), {"PYTHONPATH": sysconfig.get_paths()["purelib"]}


def test_harakiri_is_warned_about_and_named_after_the_kill(debuggee: Start, tmp_path: Path) -> None:
    executable, env = _uwsgi_stand_in(tmp_path)
    program = debuggee(
        "rpdb", "simple", env=env, executable=executable, extra_args=("--harakiri", "5")
    )  # 5 s: the stand-in counts from its start, the warning from the client's connect
    client = start_client("--port", str(program.port))
    try:
        client.wait(timeout=15)  # idle at the prompt until the stand-in's harakiri kills it
        stderr = client.stderr.read() if client.stderr else ""
    finally:
        client.kill()
    assert client.returncode == 1
    assert "(uwsgi" in stderr
    assert "50% of uWSGI's harakiri (5 s, from uwsgi --harakiri)" in stderr
    assert "connection lost" in stderr
    assert "uWSGI's harakiri (5 s, from uwsgi --harakiri) is the likely cause" in stderr
    assert "harakiri = 3600" in stderr
    assert "Traceback" not in stderr


def under_harakiri(debuggee: Start, tmp_path: Path, seconds: int) -> Debuggee:
    """The simple scenario in rpdb, in the uWSGI stand-in with ``--harakiri seconds``."""
    executable, env = _uwsgi_stand_in(tmp_path)
    extra = ("--harakiri", str(seconds))
    return debuggee("rpdb", "simple", env=env, executable=executable, extra_args=extra)


def test_toolbar_counts_the_worker_limit_down(
    debuggee: Start, tmp_path: Path, terminal: Callable[..., Terminal]
) -> None:
    program = under_harakiri(debuggee, tmp_path, 60)
    term = terminal("--port", str(program.port), "--no-history")
    row = term.wait_for(
        lambda t: next((r for r in t.rows if "harakiri 60 s:" in r), None), "the countdown"
    )
    assert re.search(r"harakiri 60 s: 0:5\d left at most", row), row
    assert "^[" not in term.text()  # nothing shown as escaped control characters
    term.send("c\r")
    assert term.wait_exit() == 0
    assert program.finish()["reached_end"] is True


def test_worker_limit_warns_from_half_of_it() -> None:
    from types import SimpleNamespace

    from rpdb_client.engine.session import State
    from rpdb_client.host.worker_limits import WorkerTimeout
    from rpdb_client.terminal.toolbar import worker_limit

    limit = WorkerTimeout(30.0, "uwsgi --harakiri", "harakiri")
    session = SimpleNamespace(
        identity=SimpleNamespace(timeout=limit), connected_at=100.0, state=State.AT_PROMPT
    )
    early = worker_limit(session, 110.0)  # type: ignore[arg-type]
    late = worker_limit(session, 125.0)  # type: ignore[arg-type]
    over = worker_limit(session, 140.0)  # type: ignore[arg-type]
    assert early == [("class:toolbar.elapsed", " harakiri 30 s: 0:20 left at most ")]
    assert late == [("class:toolbar.warning", " harakiri 30 s: 0:05 left at most ")]
    assert over == [("class:toolbar.warning", " harakiri 30 s: passed ")]


def test_every_spelling_of_loopback_is_this_machine() -> None:
    from rpdb_client.wire.addresses import is_local

    local = ["localhost", "LOCALHOST.", "app.localhost", "127.0.0.1", "127.42.0.9", "::1"]
    local += ["::ffff:127.0.0.1", "::ffff:127.1.2.3", "[::1]", "0:0:0:0:0:0:0:1"]
    assert all(is_local(host) for host in local), [host for host in local if not is_local(host)]
    remote = ["10.0.0.1", "::ffff:10.0.0.1", "192.0.2.7", "2001:db8::1", "name.invalid"]
    assert not any(is_local(host) for host in remote)


def test_a_process_met_two_sessions_earlier_is_seen_not_new(tmp_path: Path) -> None:
    """A stops, B stops, A stops again on the same port: session 3 is A, met in session 1."""
    port = free_port()
    go = tmp_path / "go"
    client = start_client("--port", str(port), "--wait", "--count", "3", "-c", "c")
    first = second = None
    try:
        first = Debuggee("rpdb", "two_stops", tmp_path, env={"TARGET_GO": str(go)}, port=port)
        # rpdb says "running on" once it listens: said, and no longer listening, is let go.
        assert first is not None
        let_go = first
        wait_until(
            lambda: "running on" in let_go.log() and not is_listening(port),
            15,
            "the first stop to be let go",
        )
        second = Debuggee("rpdb", "simple", tmp_path, port=port)
        assert second.finish()["reached_end"] is True
        go.touch()  # the first program stops again
        record = first.finish()
        client.wait(timeout=15)
        stderr = client.stderr.read() if client.stderr else ""
    finally:
        client.kill()
        for program in (first, second):
            if program is not None:
                program.stop()
    assert record["reached_end"] is True and record["error"] is None, record
    assert client.returncode == 0, stderr
    connected = [line for line in stderr.splitlines() if "connected to" in line]
    assert len(connected) == 3, stderr
    assert f"pid {second.process.pid}" in connected[1] and "new process" in connected[1]
    assert f"pid {first.process.pid}" in connected[2], connected
    assert connected[2].endswith(", seen in session 1"), connected


def _identify_there(facts: dict[str, Any], pids: tuple[int, ...] = ()) -> Any:
    """``PeerTracker.identify_there`` in a loop of its own (made there: Python 3.9's Event
    binds to the loop at hand)."""
    from rpdb_client.engine.identity import PeerTracker

    async def identify() -> Any:
        return await PeerTracker(pids=pids).identify_there(facts, ("127.0.0.1", 4444))

    return asyncio.run(identify())


def test_the_owner_is_checked_against_the_user_the_helper_runs_as() -> None:
    """Facts from another machine: there, the listener's owner and the helper's user decide."""
    from rpdb_client.engine.identity import UntrustedListener

    facts = {"me": 1000, "uid": 1001, "process": None, "timeout": None, "encoding": None}
    with pytest.raises(UntrustedListener):
        _identify_there({**facts, "pid_users": []})
    named = _identify_there({**facts, "pid_users": [1001]}, pids=(77,))
    assert named.process is None  # its --pid's user: used
    process = {
        "pid": 5, "parent_pid": 1, "uid": 1000, "user": "deploy", "name": "uwsgi",
        "argv": ["uwsgi", "--harakiri", "30"], "label": "uwsgi worker 2",
    }  # fmt: skip
    timeout = {"seconds": 30.0, "source": "--harakiri 30", "kind": "harakiri"}
    mine = _identify_there({**facts, "uid": 1000, "process": process, "timeout": timeout})
    assert mine.process is not None and mine.process.argv == ("uwsgi", "--harakiri", "30")
    assert mine.process.label == "uwsgi worker 2"
    assert mine.timeout is not None and mine.timeout.kind == "harakiri"
