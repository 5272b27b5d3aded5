"""What went wrong on the way to a far side, in one line that says what to do.

Owns reading a failed ``ssh`` or helper: its exit status and what it wrote on stderr
(docs/protocol.md section 8). ``ssh`` exits 255 for its own failures and says which on stderr
(a refused login, an unknown or changed host key, an unreachable host); a shell that finds no
``python3`` exits 127; a Python 2 refuses ``-I``; the helper's bootstrap exits 86 for a Python
older than 3.7 and 85 when the channel closed before the helper had arrived. Each becomes a
:class:`~rpdb_client.errors.RemoteError` (exit status 5), never a traceback.
"""

from __future__ import annotations

from rpdb_client.errors import RemoteError
from rpdb_client.remote.targets import Target

NOT_FOUND = 127
TOO_OLD = 86
CUT_SHORT = 85
SSH_FAILED = 255

_SSH_PROBLEMS = (
    (
        "REMOTE HOST IDENTIFICATION HAS CHANGED",
        "the host key of {name} has CHANGED since it was accepted",
        "This may be an attack, or a reinstalled host: check with its admin, then fix "
        "~/.ssh/known_hosts (ssh-keygen -R HOST).",
    ),
    (
        "Host key verification failed",
        "the host key of {name} is not known",
        "Connect once with ssh to check and accept it (rpdb-connect never accepts one silently).",
    ),
    (
        "Permission denied",
        "ssh could not log in to {name}: the login was refused",
        "Check the user and key (ssh-add -l; ssh -v), as `ssh` alone would need.",
    ),
    (
        "Could not resolve hostname",
        "cannot resolve the host of {name}",
        "Check the name, or a Host entry in ~/.ssh/config.",
    ),
    (
        "Connection refused",
        "{name} refused the SSH connection",
        "Is sshd running there, on that port?",
    ),
    ("timed out", "{name} did not answer in time", "Check the network, or a ProxyJump."),
    ("No route to host", "there is no route to {name}", "Check the network, or a ProxyJump."),
)


def explain_failure(target: Target, status: int, stderr: bytes) -> RemoteError:
    """The one-line error for a channel or shared connection that exited with ``status``."""
    text = stderr.decode("utf-8", "replace")
    last = _last_line(text)
    name = target.name
    if "Unknown option: -I" in text:  # Python 2 (or 3 before 3.4): no -I
        return RemoteError(
            f"{name}: that Python is too old for the helper (it knows no -I: Python 2?)",
            "The helper needs Python 3.7 or newer there: set remote_python to one.",
        )
    if status == TOO_OLD:
        return RemoteError(
            f"{name}: {last.replace('rpdb-connect: ', '')}" if last else f"{name}: Python too old",
            "The helper needs Python 3.7 or newer there: set remote_python to one.",
        )
    if status == CUT_SHORT:
        return RemoteError(f"the channel to {name} closed while the helper was being sent")
    if status == NOT_FOUND or "not found" in last or "No such file" in last:
        return RemoteError(
            f"{name} has no such Python ({last or 'command not found'})",
            "Set remote_python (config file, RPDB_CONNECT_REMOTE_PYTHON) to a Python 3.7 or "
            "newer there.",
        )
    if status == SSH_FAILED or target.is_ssh:
        for marker, message, hint in _SSH_PROBLEMS:
            if marker in text:
                return RemoteError(message.format(name=name), hint)
    detail = f": {last}" if last else f" (exit status {status})"
    return RemoteError(f"the channel to {name} failed{detail}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
