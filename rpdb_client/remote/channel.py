"""Opening a channel to a far side: the shared SSH connection, the helper started over it.

Owns the processes that reach another machine or a container (docs/protocol.md section 8): one
``ssh -M`` per SSH host, started by the client in the foreground (so that ``ssh`` may ask for
a passphrase or about an unknown host key on the terminal) and stopped at exit, its control
socket in a private 0700 directory; and the helper, ``python3 -I -S -c BOOTSTRAP`` run there
through that connection (or through a ``via`` command), to which the standard-library package
``rpdb_client.host`` is sent over the channel's stdin, so nothing is installed there. A failure
becomes one :class:`~rpdb_client.errors.RemoteError` saying what to do.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import signal
import socket
import stat
import subprocess
import time
import zlib
from pathlib import Path
from typing import Optional

from rpdb_client.errors import RemoteError
from rpdb_client.remote.failures import explain_failure
from rpdb_client.remote.targets import Target

HOST_PACKAGE = Path(__file__).resolve().parent.parent / "host"
BOOTSTRAP = """import os,sys,zlib
def r(n):
 b=b''
 while len(b)<n:
  c=os.read(0,n-len(b))
  if not c:sys.exit(85)
  b+=c
 return b
exec(zlib.decompress(r(int(r(10)))))"""
"""What ``python3 -c`` runs there: it reads the loader, unbuffered (what follows is the
channel's), and runs it."""
_LOADER = """import sys
if sys.version_info < (3, 7):
    version = sys.version.split()[0]
    sys.stderr.write("rpdb-connect: Python " + version + " is too old for the helper\\n")
    sys.exit(86)
import importlib.abc, importlib.util
SOURCES = {sources}
class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name == "rpdb_host":
            return importlib.util.spec_from_loader(name, self, is_package=True)
        if name.startswith("rpdb_host.") and name[10:] in SOURCES:
            return importlib.util.spec_from_loader(name, self)
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        short = module.__name__[10:] or "__init__"
        code = compile(SOURCES[short], "rpdb_host/" + short + ".py", "exec")
        exec(code, module.__dict__)
sys.meta_path.insert(0, Finder())
from rpdb_host.agent import serve
serve()
"""
MASTER_READY_POLL = 0.005


@functools.lru_cache(maxsize=1)
def helper_payload() -> bytes:
    """The loader with every module of ``rpdb_client.host``, compressed, length first (made
    once a run: ``--list`` over a fleet sends it to every host)."""
    sources = {path.stem: path.read_text() for path in sorted(HOST_PACKAGE.glob("*.py"))}
    body = zlib.compress(_LOADER.replace("{sources}", repr(sources)).encode(), 9)
    return b"%010d" % len(body) + body


def python_command(python: str) -> tuple[str, ...]:
    """The helper's interpreter and arguments: isolated from the far side's environment."""
    return (python, "-I", "-S", "-c", BOOTSTRAP)


def control_directory(runtime_dir: Optional[str], uid: int) -> Path:
    """The private directory of the control sockets: ``$XDG_RUNTIME_DIR/rpdb-connect``, else
    ``/tmp/rpdb-connect-UID``; made 0700, and refused if another user owns it."""
    base = Path(runtime_dir) / "rpdb-connect" if runtime_dir else Path(f"/tmp/rpdb-connect-{uid}")
    with contextlib.suppress(FileExistsError):
        base.mkdir(mode=0o700, parents=False)
    info = base.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & 0o077:
        raise RemoteError(
            f"{base} is not a private directory of yours",
            "The SSH control sockets are kept there; remove it, or set XDG_RUNTIME_DIR.",
        )
    return base


class SharedConnection:
    """The one SSH connection to a host: ``ssh -M`` running the first helper itself.

    The first helper's channel is the master's own session (no mux client between the session
    and the network: one process fewer on every round trip); every later helper to that host
    (after a dropped channel, ``--pick``'s second look) goes through the master in milliseconds.
    """

    def __init__(
        self, target: Target, ssh_command: tuple[str, ...], directory: Path, python: str
    ) -> None:
        self.target = target
        self._ssh = ssh_command
        self._python = python
        key = hashlib.sha1("\0".join((*ssh_command, *target.ssh_args)).encode()).hexdigest()
        self.socket_path = directory / f"ssh-{key[:16]}"
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._first: Optional[tuple[subprocess.Popen[bytes], socket.socket]] = None

    @property
    def options(self) -> tuple[str, ...]:
        """The ssh options of a channel through this connection."""
        return ("-o", f"ControlPath={self.socket_path}", "-o", "ControlMaster=no")

    def start(self, batch: bool = False) -> None:
        """Log in (``ssh`` may ask on the terminal unless ``batch``) and send the first helper;
        raise RemoteError."""
        if self.alive():
            return
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()  # a master killed earlier leaves its socket behind
        shared = ("-o", f"ControlPath={self.socket_path}", "-o", "ControlPersist=no", "-M")
        batch_option = ("-o", "BatchMode=yes") if batch else ()
        command = self.target.helper_command(
            self._ssh, (*shared, *batch_option), python_command(self._python)
        )
        ours, theirs = socket.socketpair()
        # Ctrl-C is the client's (a safe detach), not the connection's: ssh keeps an ignored
        # SIGINT ignored. It stays in the terminal's process group to ask for a passphrase.
        interactive = not batch  # (signal.signal works in the main thread only)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if interactive else None
        try:
            self._process = subprocess.Popen(
                command,
                stdin=theirs.fileno(),
                stdout=theirs.fileno(),
                stderr=subprocess.PIPE,
                start_new_session=batch,  # several at once: none may read the terminal
            )
        except OSError as error:
            ours.close()
            raise RemoteError(f"cannot run {command[0]!r}: {error.strerror}") from None
        finally:
            theirs.close()
            if interactive:
                signal.signal(signal.SIGINT, previous)
        try:
            self._wait_ready()
        except BaseException:
            ours.close()
            self.stop()
            raise
        with contextlib.suppress(OSError):  # it ended already: the helper's link reads why
            ours.sendall(helper_payload())
        self._first = (self._process, ours)

    def _wait_ready(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        while not self.socket_path.exists():
            status = self._process.poll()
            if status is not None:
                raise explain_failure(self.target, status, self._process.stderr.read())
            time.sleep(MASTER_READY_POLL)

    def take_first_channel(self) -> Optional[tuple[subprocess.Popen[bytes], socket.socket]]:
        """The master's own helper channel, once (its payload sent); None once taken."""
        first, self._first = self._first, None
        return first

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """End the shared connection (its socket is removed with it)."""
        process, self._process = self._process, None
        if self._first is not None:
            self._first[1].close()
            self._first = None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        if process is not None and process.stderr is not None:
            process.stderr.close()


def start_helper(
    target: Target,
    ssh_command: tuple[str, ...],
    shared: Optional[SharedConnection],
    python: str,
    channel_end: int,
) -> subprocess.Popen[bytes]:
    """Start the helper there, its stdin and stdout being ``channel_end`` (a socket's fd);
    the caller sends it :func:`helper_payload` first."""
    options = shared.options if shared is not None else ()
    command = target.helper_command(ssh_command, options, python_command(python))
    try:
        process = subprocess.Popen(
            command,
            stdin=channel_end,
            stdout=channel_end,
            stderr=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C is the client's to handle, not the channel's
        )
    except OSError as error:
        raise RemoteError(f"cannot run {command[0]!r}: {error.strerror}") from None
    return process
