"""The network namespaces of tests/netns.py isolate for real: a debugger started in one listens
on the namespace's own 127.0.0.1, which the host's loopback does not reach; inside, it is there."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from debuggee import Debuggee, is_listening, wait_until
from netns import Namespace, network_namespace

TESTS = Path(__file__).resolve().parent


def listening_inside(namespace: Namespace, port: int) -> bool:
    """Whether ``port`` listens, asked by a process of the namespace's own (never connecting)."""
    result = namespace.run(
        sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); from debuggee import is_listening; "
        f"print(is_listening({port}))",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip() == "True"


def test_a_debugger_in_a_namespace_is_out_of_the_hosts_reach(
    netns: Namespace, debuggee: Callable[..., Debuggee]
) -> None:
    program = debuggee("rpdb", "simple", prefix=netns.exec_prefix)
    pid = program.process.pid
    # `ip netns exec` execs the program: the pid is the debugged Python's, in the namespace.
    assert "target.py" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    assert os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(f"/run/netns/{netns.name}").st_ino
    assert os.stat(f"/proc/{pid}/ns/net").st_ino != os.stat("/proc/self/ns/net").st_ino
    assert pid in netns.pids()
    assert is_listening(program.port, pid)
    assert listening_inside(netns, program.port)
    assert not is_listening(program.port)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", program.port), timeout=5).close()
    program.stop()
    assert program.process.returncode == -9
    wait_until(lambda: not netns.pids(), 10, "the namespace to be empty")


def test_remote_pdb_in_a_namespace_listens_there_only(
    netns: Namespace, debuggee: Callable[..., Debuggee]
) -> None:
    program = debuggee("remote_pdb", "simple", prefix=netns.exec_prefix)
    assert listening_inside(netns, program.port)
    assert not is_listening(program.port)
    program.stop()


def test_the_namespace_and_what_ran_in_it_are_gone_after_it(tmp_path: Path) -> None:
    with network_namespace() as namespace:
        assert namespace.via == f"ip netns exec {namespace.name}"
        assert namespace.name.startswith(f"rpdb-test-{os.getpid()}-")
        up = namespace.run("ip", "-o", "link", "show", "lo")
        assert "UP" in up.stdout.split("<", 1)[1].split(">", 1)[0].split(","), up.stdout
        left = subprocess.Popen(
            [*namespace.exec_prefix, sys.executable, "-c", "import time; time.sleep(60)"],
            stdin=subprocess.DEVNULL,
        )
        wait_until(lambda: left.pid in namespace.pids(), 10, "the sleeper to be inside")
    try:
        assert left.wait(10) == -9
        listed = subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=True
        )
        assert namespace.name not in listed.stdout.split()
        assert not Path(f"/run/netns/{namespace.name}").exists()
    finally:
        left.kill()
        left.wait(5)
