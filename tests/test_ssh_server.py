"""The test sshd itself (tests/ssh_server.py): it lets the generated key in, refuses an unknown host
key and a key it does not know with ssh's own words, and leaves no process behind."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from debuggee import is_listening, wait_until
from process_tree import processes_naming
from ssh_server import (
    SshServer,
    clean_runtime_dir,
    running_sshd,
    ssh_env,
    wait_sessions_closed,
)


def ssh(config: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ssh", "-F", str(config), "rpdb-test", *command],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )


def test_the_generated_key_logs_in(ssh_server: SshServer) -> None:
    result = ssh(ssh_server.config_file, "true")
    assert result.returncode == 0, result.stderr
    assert f"Accepted publickey for {ssh_server.user}" in ssh_server.log()


def test_an_ssh_url_reaches_the_same_server(ssh_server: SshServer) -> None:
    """``ssh://user@127.0.0.1:PORT`` as a client turns it into ssh's arguments."""
    result = subprocess.run(
        [
            *ssh_server.ssh_argv,
            "-p",
            str(ssh_server.port),
            f"{ssh_server.user}@127.0.0.1",
            "id -un",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert (result.returncode, result.stdout.strip()) == (0, ssh_server.user), result.stderr
    assert ssh_server.url == f"ssh://{ssh_server.user}@127.0.0.1:{ssh_server.port}"
    assert ssh_server.ssh_command.split() == ssh_server.ssh_argv


def test_an_unknown_host_key_is_refused(ssh_server: SshServer) -> None:
    result = ssh(ssh_server.config_file_unknown_host, "true")
    assert result.returncode == 255
    assert "Host key verification failed" in result.stderr


def test_a_key_not_authorized_is_refused(ssh_server: SshServer) -> None:
    result = ssh(ssh_server.config_file_wrong_key, "true")
    assert result.returncode == 255
    assert "Permission denied" in result.stderr


def test_the_port_guard_follows_into_the_session(ssh_server: SshServer) -> None:
    """A remote python3 started through the server gets the guard's variables (SendEnv)."""
    result = ssh(ssh_server.config_file, "echo $RPDB_TEST_ROOT_PID; echo $PYTHONPATH")
    assert result.returncode == 0, result.stderr
    root_pid, python_path = result.stdout.splitlines()
    assert root_pid == str(os.getpid())
    assert python_path == os.environ["PYTHONPATH"]


def test_a_session_is_a_child_of_the_listener_until_it_ends(ssh_server: SshServer) -> None:
    before = set(ssh_server.sshd_sessions())  # the server is shared: other tests' may remain
    client = subprocess.Popen(
        [*ssh_server.ssh_argv, "rpdb-test", "echo ready; exec sleep 30"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert client.stdout is not None
        assert client.stdout.readline() == "ready\n"
        (session,) = set(ssh_server.sshd_sessions()) - before
        assert session in ssh_server.sshd_children()
        os.kill(session, 9)  # the "kill the sshd child" of the dropped-channel tests
        assert client.wait(10) == 255
    finally:
        client.kill()
        client.wait(5)
    wait_sessions_closed(ssh_server, [session])


def test_the_server_and_its_sessions_are_gone_after_it_stops(tmp_path: Path) -> None:
    with running_sshd(tmp_path / "sshd") as server:
        client = subprocess.Popen(
            [*server.ssh_argv, "rpdb-test", "echo ready; exec sleep 60"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert client.stdout is not None
        assert client.stdout.readline() == "ready\n"
        session = server.sshd_sessions()
        assert session
    try:
        assert client.wait(10) == 255
        assert server.process.poll() is not None
        for pid in [server.pid, *session]:
            assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid), pid
        assert not is_listening(server.port)
        assert not processes_naming(str(server.directory / "sshd_config"))
    finally:
        client.kill()
        client.wait(5)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def test_the_client_environment_names_a_short_private_runtime_dir(
    ssh_server: SshServer, tmp_path: Path
) -> None:
    env = ssh_env(ssh_server, tmp_path)
    runtime = env["XDG_RUNTIME_DIR"]
    try:
        assert env["RPDB_CONNECT_SSH_COMMAND"] == f"ssh -F {ssh_server.config_file}"
        assert stat.S_IMODE(os.stat(runtime).st_mode) == 0o700
        # A control socket named by ssh's %C (40 hex digits) in a folder of the client's still
        # fits in sun_path (108 bytes with its NUL).
        assert len(f"{runtime}/rpdb-connect/ssh/{'0' * 40}") < 100
        assert (tmp_path / "xdg-runtime").resolve() == Path(runtime).resolve()
        master = subprocess.Popen(
            [
                *ssh_server.ssh_argv,
                "-o",
                "ControlMaster=yes",
                "-o",
                "ControlPersist=30",
                "-o",
                f"ControlPath={runtime}/%C",
                "-N",
                "-f",
                "rpdb-test",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert master.wait(20) == 0  # -f: it went to the background once connected
        wait_until(lambda: processes_naming(runtime), 10, "the control master")
    finally:
        left = clean_runtime_dir(runtime)
    assert left, "the persisting master is found by its control path, and killed"
    assert not os.path.exists(runtime)
    assert not processes_naming(runtime)
