"""``--wait`` follows the program it served to its next ``set_trace()``, and only that program.

remote-pdb keeps its connection after ``c`` and, by default, listens on a new random port at
every ``set_trace()`` (docs/protocol.md sections 1 and 5). The client must find that program's
next listener through the kernel, whatever its port, and never knock on ``--port`` or any other
debugger's port instead: with ``--any --pid`` the other debuggers are excluded, and a knock is a
quit to a waiting debugger. Each test asserts on what the programs experienced.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest
from debuggee import Debuggee, remote_pdb_on_a_random_port, start_client

Start = Callable[..., Debuggee]


def _serve_three_stops(tmp_path: Path, *where: str) -> tuple[Debuggee, str]:
    """A remote-pdb loop of three stops on random ports, each stop's value multiplied by ten."""
    program = remote_pdb_on_a_random_port(tmp_path, "loop3_remote_env")
    where_args = [arg.replace("PID", str(program.process.pid)) for arg in where]
    where_args = [arg.replace("PORT", str(program.port)) for arg in where_args]
    client = start_client(
        *where_args, "--wait", "--count", "3", "-c", "value = value * 10", "-c", "c"
    )
    try:
        assert client.stdin is not None
        client.stdin.close()  # no typed commands: the -c ones at every stop
        client.wait(timeout=30)
        err = client.stderr.read() if client.stderr else ""
    finally:
        client.kill()
    return program, err


@pytest.mark.parametrize(
    "where", [("--port", "PORT"), ("--any", "--pid", "PID")], ids=["port", "any-pid"]
)
def test_wait_follows_remote_pdb_to_its_next_random_port(
    tmp_path: Path, where: tuple[str, ...]
) -> None:
    program, err = _serve_three_stops(tmp_path, *where)
    record = program.finish()
    assert record["error"] is None and record["reached_end"], (record, err)
    assert record["values"]["seen"] == [0, 10, 20], err
    ports = re.findall(r"connected to 127\.0\.0\.1:(\d+)", err)
    assert len(ports) == 3 and len(set(ports)) == 3, err  # three stops, three random ports


def test_wait_any_pid_never_knocks_on_the_configured_port(
    tmp_path: Path, debuggee: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The configured port holds another debugger that ``--pid`` excludes: it stays untouched."""
    bystander = debuggee("rpdb", "simple")
    monkeypatch.setenv("RPDB_CONNECT_PORT", str(bystander.port))
    program, err = _serve_three_stops(tmp_path, "--any", "--pid", "PID")
    record = program.finish()
    assert record["reached_end"] and record["values"]["seen"] == [0, 10, 20], (record, err)
    assert f":{bystander.port}" not in err
    assert bystander.process.poll() is None  # still waiting at its breakpoint: not continued
