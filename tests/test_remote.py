"""Workers on other machines: sessions through a real OpenSSH server, and containers stood in
for by network namespaces (issue 14).

The sshd is the tests' own on 127.0.0.1 (tests/ssh_server.py), so the "other machine" is this
one reached through ssh: the helper really is started by ``ssh`` with nothing installed, reads
the kernel there and relays the connection. A program in a network namespace cannot be reached
from this one's loopback at all; ``ip netns exec`` stands in for ``docker exec``. Each test
asserts on what the debugged program experienced.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from components import find_python, require_component
from debuggee import (
    Debuggee,
    free_port,
    line_of,
    remote_pdb_on_a_random_port,
    run_client,
    start_client,
    wait_until,
)
from netns import Namespace
from process_tree import descendants
from ssh_server import SshServer, ssh_env, wait_sessions_closed
from stacks import uwsgi
from terminal import CTRL_D, terminal_env
from test_e2e_web import fix_header_and_continue, idle_until_killed_then_catch_the_next

Start = Callable[..., Debuggee]
DEADLINE = 20.0


def read_until(pipe: object, pattern: str, timeout: float = DEADLINE) -> str:
    """Read a text pipe of a client (by its fd) until ``pattern`` appears; what was read."""
    fd = pipe.fileno()  # type: ignore[attr-defined]
    data, deadline = "", time.monotonic() + timeout
    while not re.search(pattern, data):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise AssertionError(f"no {pattern!r}; got {data!r}")
        chunk = os.read(fd, 4096).decode(errors="replace")
        if not chunk:
            raise AssertionError(f"closed before {pattern!r}; got {data!r}")
        data += chunk
    return data


@pytest.mark.parametrize("kind", ["rpdb", "remote_pdb"])
def test_a_session_through_ssh_sets_a_value_in_the_program(
    kind: str, debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    program = debuggee(kind, "simple")
    result = run_client(
        ssh_server.url, "--port", str(program.port), stdin="p x\n!x = 21\nc\n", env=ssh_client_env
    )
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert record["reached_end"] and record["error"] is None, record
    assert record["values"]["y"] == 42  # helper(x) ran with the x set through the debugger
    assert "\n1\n" in result.stdout
    # Who is behind it comes from the kernel there: its pid, and the host it is on.
    assert f"on {ssh_server.url[len('ssh://') :]}: pid {program.process.pid}" in result.stderr


def test_list_through_ssh_shows_what_waits_there_without_connecting(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    program = debuggee("remote_pdb", "simple")
    result = run_client("--list", "--json", ssh_server.url, env=ssh_client_env)
    assert result.returncode == 0, result.stderr
    rows = [row for row in json.loads(result.stdout) if row["port"] == program.port]
    assert len(rows) == 1, result.stdout
    assert rows[0]["pid"] == program.process.pid
    assert rows[0]["host"] == ssh_server.url[len("ssh://") :]
    assert rows[0]["clients"] == 0
    assert "accepted connection" not in program.log()  # listed, never knocked on
    table = run_client("--list", ssh_server.url, env=ssh_client_env)
    assert table.stdout.startswith("HOST"), table.stdout
    assert str(program.port) in table.stdout


def test_list_over_several_hosts_names_the_one_that_fails_and_lists_the_others(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    program = debuggee("rpdb", "simple")
    broken = "ssh://nobody@127.0.0.1:1"  # nothing listens on port 1
    result = run_client("--list", ssh_server.url, broken, env=ssh_client_env)
    assert result.returncode == 5, result.stderr
    assert str(program.port) in result.stdout
    assert result.stderr.count("\n") <= 2 and "Traceback" not in result.stderr, result.stderr
    assert "nobody@127.0.0.1:1" in result.stderr


def test_wait_any_through_ssh_catches_the_program_of_that_pid(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    program = debuggee("remote_pdb", "counter")
    result = run_client(
        ssh_server.url,
        "--wait",
        "--any",
        "--pid",
        str(program.process.pid),
        "--count",
        "1",
        "-c",
        "count = 7",
        "-c",
        "c",
        env=ssh_client_env,
    )
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert record["reached_end"] and record["values"]["count"] == 7, record


def test_wait_follows_remote_pdb_to_its_next_random_port_through_ssh(
    tmp_path: Path, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    """The next listener is found there, by the helper; no attempt crosses the channel."""
    program = remote_pdb_on_a_random_port(tmp_path, "loop3_remote_env")
    try:
        result = run_client(
            ssh_server.url,
            "--wait",
            "--port",
            str(program.port),
            "--count",
            "3",
            "-c",
            "value = value * 10",
            "-c",
            "c",
            env=ssh_client_env,
            timeout=40,
        )
        record = program.finish()
    finally:
        program.stop()
    assert result.returncode == 0, result.stderr
    assert record["reached_end"] and record["values"]["seen"] == [0, 10, 20], result.stderr
    assert len(set(re.findall(r"connected to 127\.0\.0\.1:(\d+)", result.stderr))) == 3


def _helper_channel(client: subprocess.Popen[str]) -> int:
    """The pid of the ``ssh`` that carries the client's helper (the shared connection's own
    session, or a channel through it)."""

    def found() -> int:
        for pid, _ in descendants(client.pid):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as file:
                    if b"zlib.decompress" in file.read():  # (after its exec)
                        return pid
            except OSError:
                continue
        return 0

    return int(wait_until(found, DEADLINE, "the helper's ssh"))


@pytest.mark.parametrize("what", ["ssh client", "sshd child"])
def test_a_dropped_channel_leaves_the_session_safely_there(
    what: str, debuggee: Start, fresh_ssh_server: SshServer, tmp_path: Path
) -> None:
    """The helper does what the client does on SIGHUP: clears the breakpoint, continues."""
    program = debuggee("rpdb", "breakpoint_later")
    env = ssh_env(fresh_ssh_server, tmp_path)
    client = start_client(fresh_ssh_server.url, "--port", str(program.port), env=env)
    try:
        assert client.stdin is not None
        client.stdin.write(f"b {line_of('after x = 2')}\n")
        client.stdin.flush()
        read_until(client.stdout, r"Breakpoint 1 at")
        if what == "ssh client":
            os.kill(_helper_channel(client), signal.SIGKILL)
        else:
            for pid in fresh_ssh_server.sshd_sessions():
                os.kill(pid, signal.SIGKILL)
        record = program.finish()
        err = read_until(client.stderr, r"dropped")
        client.stdin.close()
        client.wait(DEADLINE)
    finally:
        client.kill()
    assert record["reached_end"] and record["error"] is None, record
    assert record["values"]["x"] == 3, record  # the breakpoint was cleared: it did not stop
    assert "channel to" in err
    assert client.returncode == 1


def test_a_channel_dropped_while_waiting_is_opened_again(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    """The wait goes on through a new helper, and catches the debugger that comes."""
    port = free_port()
    client = start_client(
        ssh_server.url, "--wait", "--port", str(port), "--count", "1", "-c", "!x = 6", "-c", "c",
        env=ssh_client_env,
    )  # fmt: skip
    try:
        read_until(client.stderr, r"waiting for a debugger")
        first = _helper_channel(client)
        os.kill(first, signal.SIGKILL)
        wait_until(lambda: _helper_channel(client) != first, DEADLINE, "a new helper")
        program = debuggee("rpdb", "simple", port=port)
        record = program.finish()
        client.wait(DEADLINE)
    finally:
        client.kill()
    assert record["reached_end"] and record["values"]["y"] == 12, record
    assert client.returncode == 0


@pytest.mark.parametrize(
    ("config", "says"),
    [("unknown_host", "host key"), ("wrong_key", "login was refused")],
)
def test_ssh_failures_are_one_line_with_what_to_do(
    config: str, ssh_server: SshServer, tmp_path: Path, says: str
) -> None:
    env = ssh_env(ssh_server, tmp_path)
    env["RPDB_CONNECT_SSH_COMMAND"] = f"ssh -F {getattr(ssh_server, 'config_file_' + config)}"
    result = run_client(ssh_server.url, "--port", "4444", env=env)
    assert result.returncode == 5, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_no_such_python_there_is_one_line(
    ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    result = run_client(
        ssh_server.url, "--port", "4444", "--remote-python", "python0.1", env=ssh_client_env
    )
    assert result.returncode == 5, result.stderr
    assert "has no such Python" in result.stderr and "Traceback" not in result.stderr


def test_the_helper_runs_on_python_3_7_there(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    """The oldest Python the helper supports, as the far side's interpreter."""
    python37 = require_component("Python 3.7", find_python("3.7"), "pyenv install 3.7")
    program = debuggee("remote_pdb", "simple")
    result = run_client(
        ssh_server.url, "--remote-python", python37, "--port", str(program.port),
        stdin="!x = 4\nc\n", env=ssh_client_env,
    )  # fmt: skip
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert record["reached_end"] and record["values"]["y"] == 8, record
    assert f"pid {program.process.pid}" in result.stderr


@pytest.mark.parametrize(("version", "says"), [("3.6", "3.6.15 is too old"), ("2.7", "too old")])
def test_a_python_too_old_there_is_one_line(version: str, says: str) -> None:
    python = require_component(
        f"Python {version}", find_python(version), f"pyenv install {version}"
    )
    result = run_client("--via", "env", "--remote-python", python, "--port", "4444")
    assert result.returncode == 5, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_debugger_inside_a_namespace_is_reached_through_its_exec(
    debuggee: Start, netns: Namespace
) -> None:
    """Bound to the namespace's own 127.0.0.1: out of reach from here, reached through exec."""
    program = debuggee("rpdb", "simple", prefix=netns.exec_prefix)
    direct = run_client("--port", str(program.port), stdin="c\n")
    assert direct.returncode == 3, direct.stderr  # refused: not this machine's loopback
    listed = run_client("--list", "--json", "--via", netns.via)
    assert [row["pid"] for row in json.loads(listed.stdout)] == [program.process.pid]
    result = run_client("--via", netns.via, "--port", str(program.port), stdin="!x = 5\nc\n")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert record["reached_end"] and record["values"]["y"] == 10, record


def test_the_transcript_names_the_host(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str], tmp_path: Path
) -> None:
    program = debuggee("rpdb", "simple")
    log = tmp_path / "session.log"
    result = run_client(
        ssh_server.url, "--port", str(program.port), "--log", str(log), stdin="c\n",
        env=ssh_client_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert program.finish()["reached_end"]
    assert f"on {ssh_server.url[len('ssh://') :]}" in log.read_text().splitlines()[0]


def test_the_shared_connection_ends_with_the_client(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    sessions_before = ssh_server.sshd_children()
    program = debuggee("rpdb", "simple")
    result = run_client(
        ssh_server.url, "--port", str(program.port), stdin="c\n", env=ssh_client_env
    )
    assert result.returncode == 0, result.stderr
    assert program.finish()["reached_end"]
    wait_sessions_closed(
        ssh_server, [pid for pid in ssh_server.sshd_children() if pid not in sessions_before]
    )
    assert not os.listdir(Path(ssh_client_env["XDG_RUNTIME_DIR"]) / "rpdb-connect")


def test_the_repl_works_through_ssh_and_ctrl_d_leaves_safely(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str], terminal: Any
) -> None:
    program = debuggee("remote_pdb", "simple")
    term = terminal(
        ssh_server.url, "--port", str(program.port), "--no-history",
        env=terminal_env(**ssh_client_env),
    )  # fmt: skip
    term.wait_shows("(Pdb)")
    term.send("!x = 50\r")
    term.wait_for(lambda t: t.text().count("(Pdb)") >= 2, "the next prompt")
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    record = program.finish()
    assert record["reached_end"] and record["values"]["y"] == 100, record


def test_ssh_asks_about_an_unknown_host_key_on_the_terminal_and_no_is_respected(
    ssh_server: SshServer, tmp_path: Path, terminal: Any
) -> None:
    """The client never accepts a host key: ssh asks the person, whose no ends the run."""
    env = ssh_env(ssh_server, tmp_path)
    env["RPDB_CONNECT_SSH_COMMAND"] = (
        f"ssh -F {ssh_server.config_file_unknown_host} -o BatchMode=no -o StrictHostKeyChecking=ask"
    )
    term = terminal(ssh_server.url, "--port", "4444", env=terminal_env(**env))
    term.wait_shows("Are you sure you want to continue connecting")
    term.send("no\r")
    assert term.wait_exit() == 5
    assert "host key" in term.text() and "Traceback" not in term.text()


def test_wait_any_over_a_group_catches_the_debugger_wherever_it_appears(
    debuggee: Start,
    ssh_server: SshServer,
    ssh_client_env: dict[str, str],
    netns: Namespace,
    tmp_path: Path,
) -> None:
    """A group of two places, this host through ssh and a namespace: the stop is in the latter."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[targets.box]\nvia = "{netns.via}"\n\n'
        f'[targets.fleet]\ngroup = ["{ssh_server.url}", "box"]\n'
    )
    # --pid: on this host (the ssh place) --any must not touch any other debugger.
    program = debuggee("remote_pdb", "counter", prefix=netns.exec_prefix)
    client = start_client(
        "--config", str(config), "fleet", "--wait", "--any", "--pid", str(program.process.pid),
        "--count", "1", "-c", "count = 3", "-c", "c", env=ssh_client_env,
    )  # fmt: skip
    try:
        record = program.finish()
        client.wait(DEADLINE)
        err = client.stderr.read() if client.stderr else ""
    finally:
        client.kill()
    assert record["reached_end"] and record["values"]["count"] == 3, (record, err)
    assert f"on {netns.via}" in err and client.returncode == 0, err


def test_the_helper_tells_when_the_server_has_read_the_continue(debuggee: Start) -> None:
    """remote-pdb keeps the connection after ``c``: its kernel there says the ``c`` was read,
    so a detach ends at once instead of after the drain's second (docs/protocol.md section 4)."""
    import asyncio

    from rpdb_client.remote.reach import Reach, target_of

    program = debuggee("remote_pdb", "linger")  # runs on 2 s after `c`: the connection stays

    async def leave() -> list[Any]:
        reach = Reach(None, "python3", None)
        link = await reach.helper(target_of("env"))
        try:
            connection = await link.open({"port": program.port}).result()
            await connection.first_data
            answers = [connection.server_unread()]  # nothing sent: the helper is asked
            connection.send_line("c")
            deadline = time.monotonic() + DEADLINE
            while answers[-1] != 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
                answers.append(connection.server_unread())
            connection.close()
            return answers
        finally:
            link.stop()

    answers = asyncio.run(leave())
    assert answers[-1] == 0, answers
    assert program.finish()["reached_end"]


def test_a_uwsgi_worker_through_ssh_is_named_and_its_request_fixed(
    tmp_path: Path, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    """The worker's number is read from uWSGI's table there; the request gets the header."""
    stack = uwsgi(tmp_path, 30)
    try:
        fix_header_and_continue(stack, "uwsgi worker", (ssh_server.url,), ssh_client_env)
    finally:
        stack.stop()


def test_uwsgi_harakiri_through_ssh_is_named_as_the_cause(
    tmp_path: Path, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    """The limit is read from the worker's command line there, and named when it strikes."""
    stack = uwsgi(tmp_path, 3)
    try:
        idle_until_killed_then_catch_the_next(
            stack,
            "uWSGI's harakiri (3 s, from uwsgi --harakiri)",
            "HARAKIRI ON WORKER",
            (ssh_server.url,),
            ssh_client_env,
        )
    finally:
        stack.stop()


def test_pick_through_ssh_connects_to_the_chosen_debugger(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str], terminal: Any
) -> None:
    """The list comes from the helper there; the one chosen is served, the other untouched."""
    program = debuggee("rpdb", "simple")
    other = debuggee("rpdb", "simple")
    term = terminal(
        "--pick", ssh_server.url, "--no-history", "--no-toolbar", "--color", "never",
        env=terminal_env(**ssh_client_env),
    )  # fmt: skip
    term.wait_shows("Connect to")
    number = re.search(rf"(\d+)\. 127\.0\.0\.1:{program.port} ", term.text())
    assert number and f"127.0.0.1:{other.port} " in term.text(), term.text()
    term.send(number.group(1) + "\r")
    term.wait_shows("(Pdb)")
    term.send("!x = 8\r")
    term.wait_for(lambda t: t.text().count("(Pdb)") >= 2, "the next prompt")
    term.send("c\r")
    assert term.wait_exit(20) == 0
    record = program.finish()
    assert record["reached_end"] and record["values"]["y"] == 16, record
    assert other.process.poll() is None  # listed, not chosen: still waiting


def test_wait_goes_on_after_the_channel_drops_mid_session(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str]
) -> None:
    """The helper lets the first stop go on by itself; a new helper catches the next two."""
    program = debuggee("rpdb", "loop3")
    client = start_client(
        ssh_server.url, "--wait", "--count", "3", "--port", str(program.port), env=ssh_client_env
    )
    try:
        assert client.stdin is not None
        read_until(client.stderr, r"connected to")
        os.kill(_helper_channel(client), signal.SIGKILL)
        read_until(client.stderr, r"dropped")
        client.stdin.write("c\nc\n")  # one for each of the next two sessions
        client.stdin.flush()
        record = program.finish()
        client.wait(DEADLINE)
    finally:
        client.kill()
    assert record["reached_end"] and record["values"]["seen"] == [0, 1, 2], record
    assert client.returncode == 1  # the first session was lost (its channel), the program not


def test_wait_goes_on_after_the_channel_drops_while_the_program_runs(
    debuggee: Start, ssh_server: SshServer, ssh_client_env: dict[str, str], tmp_path: Path
) -> None:
    """remote-pdb after ``c``: the client follows the program there when the channel drops."""
    go = tmp_path / "go"
    program = debuggee("remote_pdb", "two_stops", env={"TARGET_GO": str(go)})
    client = start_client(
        ssh_server.url, "--wait", "--count", "2", "--port", str(program.port), env=ssh_client_env
    )
    try:
        assert client.stdin is not None
        client.stdin.write("c\n")
        client.stdin.flush()
        read_until(client.stdout, r"\(Pdb\) c\n")  # sent: the program runs, followed there
        os.kill(_helper_channel(client), signal.SIGKILL)
        read_until(client.stderr, r"dropped")
        go.touch()
        client.stdin.write("c\n")  # for the second stop, caught by a new helper
        client.stdin.flush()
        record = program.finish()
        client.wait(DEADLINE)
    finally:
        client.kill()
    assert record["reached_end"] and record["values"]["stops"] == 2, record
    assert client.returncode == 1  # the first session was lost (its channel), the program not
