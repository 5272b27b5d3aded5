"""The ``:`` commands: their table, its help, and the REPL's handlers matching it one to one."""

from __future__ import annotations

from rpdb_client.terminal.client_commands import ClientCommands, handler_name
from rpdb_client.vocabulary.client_commands import (
    CLIENT_COMMANDS,
    client_help_text,
    find_client_command,
)
from rpdb_client.vocabulary.commands import COMMANDS, ArgKind


def test_every_client_command_has_a_handler_and_every_handler_a_command() -> None:
    handlers = {name for name in dir(ClientCommands) if name.startswith("do_")}
    assert handlers == {handler_name(command) for command in CLIENT_COMMANDS}
    assert handler_name(CLIENT_COMMANDS[0]) == "do_help"


def test_help_shows_the_state_of_what_toggles() -> None:
    lines = client_help_text({":ascii": "on", ":bell": "off"}).splitlines()
    ascii_line = next(line for line in lines if line.startswith("  :ascii [on|off]"))
    assert ascii_line.endswith("(now on)")
    assert next(line for line in lines if line.startswith("  :bell")).endswith("(now off)")
    assert not next(line for line in lines if line.startswith("  :log")).endswith(")")


def test_client_commands() -> None:
    names = [c.name for c in CLIENT_COMMANDS]
    assert names == [
        ":help",
        ":detach",
        ":quit",
        ":log",
        ":python",
        ":send",
        ":bell",
        ":toolbar",
        ":ascii",
        ":pager",
    ]
    log = find_client_command(":log")
    assert log is not None and log.arg is ArgKind.FILE and log.placeholder == "FILE"
    ascii_ = find_client_command(":ascii")
    assert ascii_ is not None and ascii_.arg is ArgKind.SWITCH and ascii_.usage == ":ascii [on|off]"
    send = find_client_command(":send")
    assert send is not None and send.arg is ArgKind.TEXT
    assert find_client_command("log") is None
    assert find_client_command(":nope") is None
    assert not {word for command in COMMANDS for word in command.words} & set(names)


def test_client_help_text_lists_every_client_command() -> None:
    text = client_help_text()
    lines = text.splitlines()
    assert len(lines) == len(CLIENT_COMMANDS) + 2
    for command, line in zip(CLIENT_COMMANDS, lines[1:]):
        assert line.strip().startswith(command.name)
        assert line.endswith(command.help)
    assert "  :log FILE        Write a transcript" in text
    # The help column is aligned.
    assert len({line.index(c.help) for c, line in zip(CLIENT_COMMANDS, lines[1:])}) == 1
