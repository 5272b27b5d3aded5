"""Where a debugged worker runs when it is not this machine: a host over SSH, or a container.

Owns the user's words for a far side (docs/protocol.md section 8): ``ssh://[user@]host[:port]``
on the command line, a ``via`` command (``ssh staging-1``, ``docker exec -i CONTAINER``,
``kubectl exec -i POD --``, ``ip netns exec NS``), and turning one into the command lines that
open a channel there. An ``ssh`` channel goes through the system's ``ssh`` (``ssh_command``, so
that ``~/.ssh/config``, agents, ``ProxyJump`` and ``ProxyCommand`` apply) and shares one
connection per host; any other ``via`` is run as it is, with the helper's Python appended.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from typing import Optional

from rpdb_client.errors import UsageError

_SSH_URL = re.compile(
    r"ssh://(?:(?P<user>[^@/\s]+)@)?(?P<host>\[[^\]/\s]+\]|[^:@/\s\[\]]+)(?::(?P<port>\d+))?/?"
)


@dataclass(frozen=True)
class Target:
    """One far side: an SSH destination (with its ssh options), or a ``via`` command."""

    name: str
    """How rows and messages name it: the host as written, or the ``via`` command."""
    ssh_args: tuple[str, ...] = ()
    """For SSH: the options and the destination given to ``ssh`` (``-p 2222 deploy@web1``)."""
    via: tuple[str, ...] = ()
    """For any other channel: the command that runs a program there (``docker exec -i app``)."""

    @property
    def is_ssh(self) -> bool:
        return bool(self.ssh_args)

    def helper_command(
        self, ssh_command: tuple[str, ...], shared: tuple[str, ...], python: tuple[str, ...]
    ) -> list[str]:
        """The command line that starts ``python`` (the helper's interpreter and arguments)
        there; ``shared`` are the ssh options of the shared connection."""
        if self.is_ssh:
            # ssh hands the rest of its words to the remote shell as one line: quote them.
            return [*ssh_command, *shared, *self.ssh_args, shlex.join(python)]
        return [*self.via, *python]


def is_target(text: str) -> bool:
    """Whether a command-line word names a far side (rather than being a mistake)."""
    return text.startswith("ssh://")


def parse_target(text: str) -> Target:
    """``ssh://[user@]host[:port]``; anything else is a usage error saying what is expected."""
    found = _SSH_URL.fullmatch(text)
    if found is None:
        raise UsageError(
            f"{text!r} is not a target",
            "Write ssh://[user@]host[:port], or use --via 'COMMAND' for a container.",
        )
    host = found.group("host").strip("[]")
    if host.startswith("-"):
        raise UsageError(f"{text!r}: a host name cannot start with '-'")
    destination = f"{found.group('user')}@{host}" if found.group("user") else host
    port = found.group("port")
    if port is not None and not 1 <= int(port) <= 65535:
        raise UsageError(f"{text!r}: the ssh port must be from 1 to 65535")
    options = ("-p", port) if port else ()
    return Target(name=text[len("ssh://") :].rstrip("/"), ssh_args=(*options, destination))


def via_target(command: str) -> Target:
    """A ``via`` command: one starting with ``ssh`` is an SSH target (its words after ``ssh``
    are the options and destination), any other is run as it is."""
    try:
        words = tuple(shlex.split(command))
    except ValueError as error:
        raise UsageError(f"--via {command!r}: {error}") from None
    if not words:
        raise UsageError("--via needs a command, such as 'docker exec -i CONTAINER'")
    if os.path.basename(words[0]) == "ssh":
        if len(words) < 2:
            raise UsageError(f"--via {command!r}: name the host to ssh to")
        return Target(name=" ".join(words[1:]), ssh_args=words[1:])
    return Target(name=command, via=words)


def ssh_command_words(command: Optional[str]) -> tuple[str, ...]:
    """``ssh_command`` (or ``RPDB_CONNECT_SSH_COMMAND``) as words; ``ssh`` when unset."""
    try:
        words = tuple(shlex.split(command or "ssh"))
    except ValueError as error:
        raise UsageError(f"ssh_command {command!r}: {error}") from None
    if not words:
        raise UsageError("ssh_command is empty")
    return words
