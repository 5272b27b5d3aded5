"""The client's own commands as data: the ``:`` commands, their arguments and their help.

Owns :data:`CLIENT_COMMANDS`, the table that the REPL's dispatch is built from (one handler per
command, :mod:`rpdb_client.terminal.client_commands`), that completion, the lexer and the toolbar
hint read, and that ``:help`` prints (:func:`client_help_text`). A ``:`` starts no pdb command and
no Python statement, so these words can never be meant for the debugger.

Standard library and :mod:`rpdb_client.vocabulary.commands` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rpdb_client.vocabulary.commands import ArgKind

__all__ = [
    "CLIENT_COMMANDS",
    "SWITCH_WORDS",
    "ClientCommand",
    "client_help_text",
    "find_client_command",
]


SWITCH_WORDS = ("on", "off")
"""What an :attr:`ArgKind.SWITCH` argument may be (or nothing, to see which is set)."""


@dataclass(frozen=True)
class ClientCommand:
    """One of the client's own commands; they start with ``:``, which pdb and Python never do."""

    name: str
    arg: ArgKind
    placeholder: str
    """How the argument is shown in help (``FILE``), empty when there is none."""
    help: str

    @property
    def usage(self) -> str:
        """The command as ``:help`` and the toolbar show it: ``:log FILE``."""
        return f"{self.name} {self.placeholder}".rstrip()


CLIENT_COMMANDS: tuple[ClientCommand, ...] = (
    ClientCommand(":help", ArgKind.NONE, "", "List the client's own commands."),
    ClientCommand(":detach", ArgKind.NONE, "",
                  "Disconnect safely: the program goes on running (no BdbQuit)."),
    ClientCommand(":quit", ArgKind.NONE, "", "Detach safely, then exit rpdb-connect."),
    ClientCommand(":log", ArgKind.FILE, "FILE",
                  "Write a transcript of the session (sent and received text) to FILE."),
    ClientCommand(":python", ArgKind.NONE, "",
                  "Toggle Python block mode: edit a multi-line block, then send it."),
    ClientCommand(":send", ArgKind.TEXT, "TEXT",
                  "Send TEXT to the debugger as one line, even if no prompt was recognised."),
    ClientCommand(":bell", ArgKind.NONE, "",
                  "Toggle ringing the terminal bell when the program stops again."),
    ClientCommand(":toolbar", ArgKind.NONE, "", "Show or hide the bottom toolbar."),
    ClientCommand(":ascii", ArgKind.SWITCH, "[on|off]",
                  "Escape non-ASCII in string literals, for a debugger that reads ASCII."),
    ClientCommand(":pager", ArgKind.SWITCH, "[on|off]",
                  "Page a reply taller than the screen with $PAGER (less when unset)."),
)  # fmt: skip

_CLIENT_BY_WORD: dict[str, ClientCommand] = {c.name: c for c in CLIENT_COMMANDS}


def find_client_command(word: str) -> ClientCommand | None:
    """The client command named by ``word`` (with its leading ``:``), or None."""
    return _CLIENT_BY_WORD.get(word)


def client_help_text(states: Mapping[str, str] | None = None) -> str:
    """The text ``:help`` prints: one aligned line per client command.

    ``states`` gives the current state of the commands that toggle something (``{":bell":
    "on"}``), shown after their help.
    """
    states = states or {}
    usages = [c.usage for c in CLIENT_COMMANDS]
    width = max(len(u) for u in usages) + 2
    lines = [
        f"  {usage:<{width}}{c.help}" + (f" (now {states[c.name]})" if c.name in states else "")
        for usage, c in zip(usages, CLIENT_COMMANDS)
    ]
    return "\n".join(
        [
            "Client commands (never sent to the debugger):",
            *lines,
            "Anything else goes to the debugger; its own 'help' lists pdb's commands.",
        ]
    )
