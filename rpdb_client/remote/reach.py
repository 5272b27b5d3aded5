"""The far sides of one run: their shared SSH connections, and starting helpers there.

Owns the lifetime of what the client starts to reach other machines (docs/protocol.md section
8). The command line makes one :class:`Reach` per run and calls :meth:`Reach.prepare` before a
front end takes the terminal, so that ``ssh`` can ask for a passphrase or about a host key
there; several hosts are logged in to at once, in batch mode. Every helper of the run then goes
through its host's shared connection, and :meth:`Reach.close` ends them all at exit.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from rpdb_client.errors import RemoteError
from rpdb_client.remote.channel import SharedConnection, control_directory
from rpdb_client.remote.link import HelperLink
from rpdb_client.remote.targets import (
    Target,
    is_target,
    parse_target,
    ssh_command_words,
    via_target,
)


def target_of(place: str) -> Target:
    """A place of the settings (``ssh://...`` or a ``via`` command) as a target."""
    return parse_target(place) if is_target(place) else via_target(place)


class Reach:
    """How this run reaches its far sides: ``ssh_command``, ``python`` there, shared connections."""

    def __init__(self, ssh_command: Optional[str], python: str, runtime_dir: Optional[str]) -> None:
        self.ssh_command = ssh_command_words(ssh_command)
        self.python = python
        self._runtime_dir = runtime_dir
        self._shared: dict[tuple[str, ...], SharedConnection] = {}

    def prepare(self, targets: list[Target]) -> dict[Target, RemoteError]:
        """Log in to each SSH host; one alone may ask on the terminal, several run in batch
        mode in parallel. Returns the failures by target (the others are ready)."""
        ssh_targets = [target for target in targets if target.is_ssh]
        if not ssh_targets:
            return {}
        directory = control_directory(self._runtime_dir, os.getuid())
        for target in ssh_targets:
            if target.ssh_args not in self._shared:
                self._shared[target.ssh_args] = SharedConnection(
                    target, self.ssh_command, directory, self.python
                )
        if len(ssh_targets) == 1:
            try:
                self._shared[ssh_targets[0].ssh_args].start()
            except RemoteError as error:
                return {ssh_targets[0]: error}
            return {}
        failures: dict[Target, RemoteError] = {}

        def start(target: Target) -> None:
            try:
                self._shared[target.ssh_args].start(batch=True)
            except RemoteError as error:
                failures[target] = error

        with ThreadPoolExecutor(max_workers=min(16, len(ssh_targets))) as pool:
            list(pool.map(start, ssh_targets))
        return failures

    async def helper(self, target: Target, for_a_look: bool = False) -> HelperLink:
        """A helper running there; the shared connection is made again (batch) if it died.

        ``for_a_look``: a helper of its own through the shared connection, which keeps its own
        session's helper for the run that follows (``--pick``'s listing, then the session).
        """
        shared = self._shared.get(target.ssh_args) if target.is_ssh else None
        if shared is not None and not shared.alive():
            await asyncio.to_thread(shared.start, True)
        first = shared.take_first_channel() if shared is not None and not for_a_look else None
        return await HelperLink.start(target, self.ssh_command, shared, self.python, first)

    def close(self) -> None:
        """End every shared connection of the run."""
        for shared in self._shared.values():
            shared.stop()
        self._shared.clear()
