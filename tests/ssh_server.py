"""A real OpenSSH server on 127.0.0.1 for the SSH tests, with the keys and client configs they use.

This module owns the test sshd: per run it generates an ed25519 host key and user keys, writes an
``sshd_config`` and the *client* configs (``ssh -F FILE``), starts Debian's ``/usr/sbin/sshd -D``
as a child on a free port, waits for it to listen (read from /proc/net/tcp, never by connecting),
and stops it and every process it forked by PID (tests/process_tree.py). :func:`running_sshd` is
the context manager; ``ssh_server`` (one per test session) and ``fresh_ssh_server`` (one per test)
are its fixtures; ``ssh_client_env`` gives a client's environment for it (:func:`ssh_env`).

The port guard (tests/port_guard) follows into the SSH sessions: the client configs ``SendEnv``
the guard's variables and ``PYTHONPATH`` and the sshd ``AcceptEnv``s them, so a remote
``python3`` started through this server refuses connects to debuggers the test run did not start.

It imports nothing of rpdb_client; bench/ssh_baseline.py imports it (pytest is needed to import it).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest
from components import find_python, require_component
from debuggee import free_port, is_listening, wait_until
from process_tree import kill_processes, process_table, processes_naming, stop_tree

SSHD = "/usr/sbin/sshd"
ALIAS = "rpdb-test"
HOST = "127.0.0.1"
GUARD_VARIABLES = "RPDB_TEST_ROOT_PID RPDB_TEST_GUARD_LOG PYTHONPATH"
"""Sent by the client configs and accepted by the sshd: the port guard's set-up (conftest.py)."""


@dataclass(frozen=True)
class OpenSsh:
    """The programs of an OpenSSH install."""

    sshd: str
    ssh: str
    keygen: str


def find_openssh() -> Optional[OpenSsh]:
    """sshd (not on every PATH: /usr/sbin/sshd), ssh and ssh-keygen; None if one is missing."""
    ssh, keygen = shutil.which("ssh"), shutil.which("ssh-keygen")
    if not (os.access(SSHD, os.X_OK) and ssh and keygen):
        return None
    return OpenSsh(SSHD, ssh, keygen)


def require_openssh() -> OpenSsh:
    """OpenSSH, or the test is skipped (failed under CI) with how to install it."""
    return require_component("OpenSSH server", find_openssh(), "apt-get install openssh-server")


def _keygen(openssh: OpenSsh, path: Path, comment: str) -> str:
    """A new ed25519 key pair at ``path`` (no passphrase); its public line."""
    subprocess.run(
        [openssh.keygen, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    return Path(f"{path}.pub").read_text().strip()


def _client_config(port: int, user: str, key: Path, known_hosts: Path) -> str:
    """An ssh client config: ``rpdb-test`` (and 127.0.0.1 itself, for ssh:// URLs) -> the sshd."""
    return (
        f"Host {ALIAS} {HOST}\n"
        f"  HostName {HOST}\n"
        f"  Port {port}\n"
        f"  User {user}\n"
        f"  IdentityFile {key}\n"
        "  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {known_hosts}\n"
        "  GlobalKnownHostsFile /dev/null\n"
        "  StrictHostKeyChecking yes\n"
        "  UpdateHostKeys no\n"
        "  BatchMode yes\n"
        "  LogLevel ERROR\n"
        f"  SendEnv {GUARD_VARIABLES}\n"
    )


def _server_config(directory: Path, port: int) -> str:
    return (
        f"ListenAddress {HOST}\n"
        f"Port {port}\n"
        f"HostKey {directory / 'host_key'}\n"
        f"PidFile {directory / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {directory / 'authorized_keys'}\n"
        "UsePAM no\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\n"
        "StrictModes no\n"
        "MaxSessions 50\n"
        # Fleet tests open many connections at once; the default (10:30:100) drops some.
        "MaxStartups 100\n"
        "AllowTcpForwarding yes\n"
        f"AcceptEnv {GUARD_VARIABLES}\n"
        "LogLevel VERBOSE\n"
    )


@dataclass
class SshServer:
    """A running test sshd and what a client needs to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    user: str
    directory: Path
    config_file: Path
    config_file_unknown_host: Path
    config_file_wrong_key: Path
    python37: Optional[str]
    """pyenv's Python 3.7 (tests set ``remote_python`` to it), or None when there is none."""
    host: str = HOST
    alias: str = ALIAS

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def ssh_command(self) -> str:
        """What ``RPDB_CONNECT_SSH_COMMAND`` is set to (like git's ``GIT_SSH_COMMAND``)."""
        return f"ssh -F {self.config_file}"

    @property
    def ssh_argv(self) -> list[str]:
        return ["ssh", "-F", str(self.config_file)]

    @property
    def url(self) -> str:
        return f"ssh://{self.user}@{self.host}:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.directory / "sshd.log"

    def log(self) -> str:
        """The sshd's log (LogLevel VERBOSE): connections, keys accepted, sessions closed."""
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    def sshd_children(self) -> list[int]:
        """The pids of the sshd processes serving connections (children of the listener)."""
        table = process_table()
        return sorted(pid for pid, (parent, _) in table.items() if parent == self.pid)

    def sshd_sessions(self) -> list[int]:
        """The sshd children serving an authenticated user (titled ``sshd: USER@notty`` or
        ``sshd: USER [priv]``), not a connection still authenticating (``sshd: [accepted]``)."""
        sessions = []
        for pid in self.sshd_children():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as file:
                    title = file.read().split(b"\0")[0].decode(errors="replace")
            except OSError:
                continue
            if title.startswith(f"sshd: {self.user}@") or title == f"sshd: {self.user} [priv]":
                sessions.append(pid)
        return sessions

    def stop(self) -> None:
        """Stop the listener and every process below it (sessions, their commands), by PID."""
        stop_tree(self.process)


def _write_configs(directory: Path, port: int, user: str, host_key: str) -> Path:
    """The sshd's config and the three client configs, for ``port``; the sshd's config."""
    host_key_type, host_key_data = host_key.split()[:2]
    known_hosts = directory / "known_hosts"
    known_hosts.write_text(f"[{HOST}]:{port} {host_key_type} {host_key_data}\n")
    configs = {
        "config": (directory / "user_key", known_hosts),
        "config_unknown_host": (directory / "user_key", directory / "known_hosts_empty"),
        "config_wrong_key": (directory / "wrong_key", known_hosts),
    }
    for name, (key, hosts) in configs.items():
        (directory / name).write_text(_client_config(port, user, key, hosts))
    sshd_config = directory / "sshd_config"
    sshd_config.write_text(_server_config(directory, port))
    return sshd_config


def _launch(
    directory: Path, openssh: OpenSsh, port: int, user: str, timeout: float
) -> Optional[SshServer]:
    """sshd started on ``port``, listening; None if the port was taken meanwhile."""
    sshd_config = directory / "sshd_config"
    checked = subprocess.run(
        [openssh.sshd, "-t", "-f", str(sshd_config)], capture_output=True, text=True, timeout=30
    )
    if checked.returncode != 0:
        raise AssertionError(f"sshd rejects its config: {checked.stderr.strip()}")
    process = subprocess.Popen(
        [openssh.sshd, "-D", "-f", str(sshd_config), "-E", str(directory / "sshd.log")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = SshServer(
        process=process,
        port=port,
        user=user,
        directory=directory,
        config_file=directory / "config",
        config_file_unknown_host=directory / "config_unknown_host",
        config_file_wrong_key=directory / "config_wrong_key",
        python37=find_python("3.7"),
    )
    try:
        wait_until(
            lambda: process.poll() is not None or is_listening(port),
            timeout,
            f"sshd to listen on {port}",
        )
    except AssertionError:
        server.stop()
        raise AssertionError(f"sshd did not listen in {timeout} s:\n{server.log()}") from None
    if process.poll() is None:
        return server
    if "Address already in use" in server.log():
        return None
    raise AssertionError(f"sshd exited ({process.returncode}):\n{server.log()}")


def start_sshd(directory: Path, openssh: OpenSsh, timeout: float = 10.0) -> SshServer:
    """Generate the keys and configs in ``directory`` and start sshd; it listens on return."""
    directory.mkdir(parents=True, exist_ok=True)
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    user = pwd.getpwuid(os.getuid()).pw_name
    host_key = _keygen(openssh, directory / "host_key", "rpdb-test host")
    user_key = _keygen(openssh, directory / "user_key", "rpdb-test user")
    _keygen(openssh, directory / "wrong_key", "rpdb-test key not authorized")
    (directory / "authorized_keys").write_text(user_key + "\n")
    (directory / "known_hosts_empty").write_text("")
    for _attempt in range(3):  # a free port may be taken between choosing and binding it
        port = free_port()
        _write_configs(directory, port, user, host_key)
        server = _launch(directory, openssh, port, user, timeout)
        if server is not None:
            return server
    raise AssertionError(
        f"sshd found no free port in three tries:\n{(directory / 'sshd.log').read_text()}"
    )


@contextlib.contextmanager
def running_sshd(directory: Path) -> Iterator[SshServer]:
    """A test sshd for the block (skipped, or failed under CI, without OpenSSH); stopped after."""
    server = start_sshd(directory, require_openssh())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def ssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """One test sshd for the whole run (``alias`` rpdb-test, ``config_file``, ``url``...)."""
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


@pytest.fixture
def fresh_ssh_server(tmp_path: Path) -> Iterator[SshServer]:
    """A test sshd of this test's own, for tests that kill or break it."""
    with running_sshd(tmp_path / "sshd") as server:
        yield server


def ssh_env(server: SshServer, tmp: Path) -> dict[str, str]:
    """The variables a client run needs to use ``server``: merge them into its environment.

    ``XDG_RUNTIME_DIR`` is a new short 0700 directory under /tmp (a control socket's path must fit
    in 108 bytes; pytest's ``tmp_path`` is too long); ``tmp`` gets a symlink ``xdg-runtime`` to
    it, to find it. :func:`clean_runtime_dir` removes it (``ssh_client_env`` does).
    """
    runtime = tempfile.mkdtemp(prefix="rpdb-", dir="/tmp")
    os.chmod(runtime, 0o700)
    link = tmp / "xdg-runtime"
    with contextlib.suppress(OSError):
        link.unlink()
    link.symlink_to(runtime)
    return {"RPDB_CONNECT_SSH_COMMAND": server.ssh_command, "XDG_RUNTIME_DIR": runtime}


def clean_runtime_dir(runtime: str) -> list[int]:
    """Kill the processes left using ``runtime`` (control masters) and remove it; their pids."""
    left = processes_naming(runtime)
    kill_processes(left)
    if left:
        with contextlib.suppress(AssertionError):
            wait_until(lambda: not processes_naming(runtime), 5, "control masters to end")
    shutil.rmtree(runtime, ignore_errors=True)
    return [pid for pid, _ in left]


@pytest.fixture
def ssh_client_env(ssh_server: SshServer, tmp_path: Path) -> Iterator[dict[str, str]]:
    """:func:`ssh_env` for the session's sshd; the runtime directory is cleaned up after."""
    env = ssh_env(ssh_server, tmp_path)
    try:
        yield env
    finally:
        clean_runtime_dir(env["XDG_RUNTIME_DIR"])


def wait_sessions_closed(
    server: SshServer, sessions: Optional[list[int]] = None, timeout: float = 10.0
) -> None:
    """Wait until ``sessions`` (pids of :meth:`SshServer.sshd_children`; by default all) are
    over, after a client ended or was killed."""

    def closed() -> bool:
        children = server.sshd_children()
        return not children if sessions is None else not set(children) & set(sessions)

    wait_until(closed, timeout, "the sshd's sessions to close")
