"""The client's settings: packaged defaults < config file < environment < command line.

Owns :class:`Settings`, the frozen record every other module reads its options from. Standard
library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4444


@dataclass(frozen=True)
class Settings:
    """Everything a run of the client is configured by."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    wait: bool = False
    count: Optional[int] = None
    commands: tuple[str, ...] = ()
    connect_timeout: float = 5.0
    prompt_regex: tuple[str, ...] = ()
    # The REPL (stdin and stdout are terminals).
    vi: bool = False
    history: bool = True
    history_file: Optional[str] = None
    """None: ``$XDG_STATE_HOME/rpdb-connect/history`` (``~/.local/state/...``)."""
    color: str = "auto"
    style: str = "monokai"
    confirm_quit: bool = True
    bell: bool = True
    toolbar: bool = True
    raw: bool = False
    """Pass the debugger's output to the terminal untouched (no escape-sequence filtering)."""
    # Finding debuggers and knowing who is behind them.
    list_debuggers: bool = False
    json: bool = False
    pick: bool = False
    any_port: bool = False
    pid: Optional[int] = None
    timeout_hint: Optional[float] = None
    trust_owner: bool = False
    ascii: bool = False
    log_file: Optional[str] = None
    remote_completion: bool = True
