"""Real server stacks for the end-to-end tests: uWSGI, gunicorn, a Twisted service.

Each stack runs as a subprocess in its own session (its workers with it), bounded in time, and is
stopped by its PID's process group; its log is kept for assertions. ``Request`` makes an HTTP
request in the background, because the request is exactly what the debugger holds up.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

from debuggee import free_port, is_listening, wait_until

APPS = Path(__file__).parent / "apps"
BIN = Path(sys.executable).parent


def tool(name: str) -> Optional[str]:
    """A server program installed beside this Python (the test extras install them)."""
    return shutil.which(name, path=str(BIN))


class Stack:
    """A server process group with a log file."""

    def __init__(self, argv: list[str], tmp: Path, env: dict[str, str], listen_port: int) -> None:
        self.rpdb_port = int(env["RPDB_TEST_PORT"])
        self.port = listen_port
        self.log_path = tmp / f"stack-{listen_port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            cwd=APPS,
            start_new_session=True,  # its workers are stopped with it
        )
        wait_until(self._ready, 60, f"{argv[0]} to listen on {listen_port}")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.process.args!r} exited:\n{self.log()}")
        return is_listening(self.port)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self._log.close()


def uwsgi(tmp: Path, harakiri: int, lang: Optional[str] = None) -> Stack:
    """``lang``: the workers' ``LANG`` alone (``C``: an embedded interpreter decoding ASCII)."""
    executable = tool("uwsgi")
    assert executable, "uWSGI is a test dependency"
    port, rpdb_port = free_port(), free_port()
    argv = [
        executable, "--master", "--workers", "2", "--harakiri", str(harakiri),
        "--http-socket", f"127.0.0.1:{port}", "--wsgi-file", "flask_app.py", "--callable", "app",
        "--home", sys.prefix, "--die-on-term", "--need-app", "--lazy-apps",
    ]  # fmt: skip
    env = {"RPDB_TEST_PORT": str(rpdb_port)}
    if lang is not None:
        env.update(LANG=lang, LC_ALL="", LC_CTYPE="", PYTHONUTF8="")
    return Stack(argv, tmp, env, port)


def gunicorn(tmp: Path, timeout: int) -> Stack:
    executable = tool("gunicorn")
    assert executable, "gunicorn is a test dependency"
    port, rpdb_port = free_port(), free_port()
    argv = [
        executable, "--workers", "2", "--worker-class", "sync", "--timeout", str(timeout),
        "--bind", f"127.0.0.1:{port}", "flask_app:app",
    ]  # fmt: skip
    return Stack(argv, tmp, {"RPDB_TEST_PORT": str(rpdb_port)}, port)


def twisted_service(tmp: Path) -> Stack:
    port, rpdb_port = free_port(), free_port()
    argv = [sys.executable, "twisted_service.py", str(port)]
    return Stack(argv, tmp, {"RPDB_TEST_PORT": str(rpdb_port)}, port)


class Request:
    """An HTTP GET made in a background thread; ``wait()`` returns what the client got."""

    def __init__(self, url: str, timeout: float = 60) -> None:
        self.status: Optional[int] = None
        self.headers: dict[str, str] = {}
        self.body = b""
        self.error: Optional[str] = None
        self._thread = threading.Thread(target=self._get, args=(url, timeout), daemon=True)
        self._thread.start()

    def _get(self, url: str, timeout: float) -> None:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                self.status, self.body = response.status, response.read()
                self.headers = dict(response.headers)
        except urllib.error.HTTPError as error:
            self.status, self.body = error.code, error.read()
        except OSError as error:  # no response at all (the worker was killed)
            self.error = f"{type(error).__name__}: {error}"

    def wait(self, timeout: float = 60) -> Request:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the HTTP request did not finish"
        return self
