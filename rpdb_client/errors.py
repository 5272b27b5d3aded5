"""Error types and exit statuses of rpdb-connect.

Owns the vocabulary of expected failures: every error a user can meet is one of these,
carrying a message written for that user (and a hint where one helps). Standard library only.
"""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """The process exit status, documented in ``--help`` and the README."""

    OK = 0
    """Every session ended by ``c``, ``q`` or a safe detach."""
    LOST = 1
    """A connection was lost, or the peer is not a line-based pdb."""
    USAGE = 2
    """Bad command line or configuration."""
    CANNOT_CONNECT = 3
    """Nothing accepted the connection."""
    OUTPUT_FAILED = 4
    """The client's own output (stdout, stderr or the transcript) could not be written: it
    detached safely and stopped."""
    REMOTE = 5
    """The other machine or container could not be used: ``ssh`` refused the login or does not
    know the host key, the host is unreachable, or it has no usable ``python3``."""
    INTERRUPTED = 130
    """Interrupted by Ctrl-C or a signal before the work was done."""


class ClientError(Exception):
    """An expected failure: shown to the user as one message, never as a traceback."""

    status: ExitStatus = ExitStatus.LOST

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class ConnectError(ClientError):
    """The connection could not be made (refused, unreachable, bad host name)."""

    status = ExitStatus.CANNOT_CONNECT


class ConnectionRefused(ConnectError):
    """Nothing listens on the port yet: with ``--wait`` this means "try again"."""


class ConnectionLost(ClientError):
    """The connection broke while in use (reset, or an error reading or writing)."""


class RemoteError(ClientError):
    """The channel to another machine or container could not be opened, or is unusable."""

    status = ExitStatus.REMOTE


class ChannelDropped(ConnectionLost):
    """The channel to another machine broke (``ssh`` killed, the network gone) mid-run."""


class UsageError(ClientError):
    """Bad options or configuration."""

    status = ExitStatus.USAGE
