"""The client's own ``:`` commands: one handler per command of the vocabulary's table.

Owns :class:`ClientCommands`, the layer of the REPL between its engine side
(:class:`~rpdb_client.terminal.front_end.ReplFrontEnd`) and its input line
(:class:`~rpdb_client.terminal.repl.Repl`): what ``:help``, ``:detach``, ``:log FILE``... do.
Which commands exist, their arguments and their help are
:data:`~rpdb_client.vocabulary.commands.CLIENT_COMMANDS`; the handler of ``:name`` is the method
``do_name`` (as ``cmd.Cmd`` names them), and the dispatch table is built from the vocabulary's
table when the REPL is made, so a command without a handler cannot be shipped.

Imports the engine, the wire's line check and the vocabulary; no prompt_toolkit application (the
toolbar and Python mode, which need it, are the subclass's), and no line goes to the debugger
unless the user's command says so (``:send``).
"""

from __future__ import annotations

import math
import time
from typing import Callable

from rpdb_client.config import Settings
from rpdb_client.engine import wording
from rpdb_client.engine.session import State
from rpdb_client.errors import ConnectionLost
from rpdb_client.terminal.front_end import ReplFrontEnd
from rpdb_client.vocabulary.client_commands import (
    CLIENT_COMMANDS,
    SWITCH_WORDS,
    ClientCommand,
    client_help_text,
)
from rpdb_client.wire.connection import UnsendableLine, check_line

__all__ = ["SECOND_PRESS", "ClientCommands", "handler_name"]

SECOND_PRESS = 2.0
"""A second Ctrl-D (or ``:detach``) within this many seconds, while a command runs, closes now;
a second Ctrl-C while the program runs leaves safely."""

Handler = Callable[[str], None]
"""Runs one client command; its argument is the rest of the line, stripped."""


def handler_name(command: ClientCommand) -> str:
    """The method that runs ``command``: ``do_log`` for ``:log``."""
    return "do_" + command.name[1:]


class ClientCommands(ReplFrontEnd):
    """The ``:`` commands; the subclass supplies the input line's parts (see the methods)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(settings)
        self.clock = clock
        """The run's monotonic clock: how far apart two presses of a key are."""
        self._detach_asked_at = -math.inf  # no detach asked yet, whatever the clock reads
        self._ctrl_c_at = -math.inf
        self._hinted = False
        self._handlers: dict[str, Handler] = {
            command.name: getattr(self, handler_name(command)) for command in CLIENT_COMMANDS
        }

    def run_client_command(self, text: str) -> None:
        """Run a line that starts with ``:``; it is echoed after the prompt, like a sent line."""
        word, _, arg = text.partition(" ")
        self.screen.write([("class:prompt", self.prompt_text()), ("", text + "\n")])
        handler = self._handlers.get(word)
        if handler is None:
            self.screen.notice(wording.unknown_client_command(word))
            return
        handler(arg.strip())

    # -- what the subclass supplies ----------------------------------------------------------

    def prompt_text(self) -> str:
        """The prompt shown now, as plain text."""
        raise NotImplementedError

    def toggle_python_mode(self) -> None:
        raise NotImplementedError

    def cancel_question(self) -> None:
        """Drop the question the client asks (the answer is no)."""
        raise NotImplementedError

    def request_leave(self, *, leave: bool) -> None:
        """The user asks to leave (``leave``: and exit); the subclass may ask first."""
        self.detach(leave=leave)

    @property
    def toolbar_shown(self) -> bool:
        raise NotImplementedError

    def show_toolbar(self, shown: bool) -> None:
        raise NotImplementedError

    # -- the handlers ------------------------------------------------------------------------

    def do_help(self, arg: str) -> None:
        states = {
            ":python": self.python_mode,
            ":bell": self.bell,
            ":toolbar": self.toolbar_shown,
            ":ascii": self._ascii_now,
            ":pager": self.pager is not None and self.pager.enabled,
        }
        shown = {name: "on" if on else "off" for name, on in states.items()}
        self.screen.write([("", client_help_text(shown) + "\n" + wording.KEYS_HELP + "\n")])

    def do_detach(self, arg: str) -> None:
        self.request_leave(leave=False)

    def do_quit(self, arg: str) -> None:
        self.request_leave(leave=True)

    def do_log(self, arg: str) -> None:
        if arg:
            self.start_log(arg)
        else:
            self.screen.stop_log()

    def do_python(self, arg: str) -> None:
        self.toggle_python_mode()

    def do_send(self, arg: str) -> None:
        """At a prompt, queued like any line; while busy, written at once."""
        session = self.session
        if session is None or session.state is not State.BUSY:
            self.send(arg)
            return
        # No prompt was recognised (a custom input() prompt, say): the user knows better.
        try:
            check_line(arg)
            session.connection.send_line(arg)
        except (UnsendableLine, ConnectionLost) as error:
            self.screen.notice(wording.not_sent(error))
            return
        self.screen.notice(wording.SENT_WITHOUT_PROMPT)
        self.screen.log(lambda log: log.user(arg))

    def do_bell(self, arg: str) -> None:
        self.bell = not self.bell
        self.screen.notice(wording.switched("bell", self.bell))

    def do_toolbar(self, arg: str) -> None:
        self.show_toolbar(not self.toolbar_shown)

    def do_ascii(self, arg: str) -> None:
        """``on``/``off`` set the escaping that ``--ascii`` turns on; alone, say which."""
        if arg and arg not in SWITCH_WORDS:
            self.screen.notice(wording.ASCII_USAGE)
            return
        if arg:
            self.ascii = arg == "on"
            if self.session is not None:
                self.session.ascii_only = self.ascii
        self.screen.notice(wording.ASCII_STATE[self._ascii_now])

    @property
    def _ascii_now(self) -> bool:
        """The session's escaping (turned on for a process known to decode ASCII), else ours."""
        return self.session.ascii_only if self.session is not None else self.ascii

    def do_pager(self, arg: str) -> None:
        """``on``/``off`` set what ``--pager`` sets; alone, say which."""
        if self.pager is None or (arg and arg not in SWITCH_WORDS):
            self.screen.notice(wording.PAGER_USAGE)
            return
        if arg:
            self.pager.enabled = arg == "on"
        self.screen.notice(wording.PAGER_STATE[self.pager.enabled])

    # -- shared with the keys ----------------------------------------------------------------

    def ctrl_c(self, had_text: bool) -> None:
        """Ctrl-C (the line is cleared): decline a question; at a prompt nothing more (a hint
        once); while the program runs, explain, and leave safely on a second one."""
        if self.question is not None:
            self.cancel_question()
            return
        session, runner = self.session, self.runner
        if session is None:
            if self.waiting and runner is not None:
                self.screen.notice(wording.STOPPED_WAITING)
                runner.interrupt()
            return
        if session.state is State.AT_PROMPT:
            if not had_text and not self._hinted:
                self._hinted = True
                self.screen.notice(wording.CTRL_C_AT_PROMPT)
            return
        now = self.clock()
        if now - self._ctrl_c_at <= SECOND_PRESS and runner is not None:
            self._ctrl_c_at = -math.inf
            self.screen.notice(wording.LEAVING_SAFELY)
            runner.interrupt()
            return
        self._ctrl_c_at = now
        self.screen.notice(wording.CTRL_C_WHILE_RUNNING, warning=True)

    def detach(self, *, leave: bool) -> None:
        """Leave the session safely (``c`` at its next prompt); ``leave``: then exit.

        While a command runs there is no prompt to leave at: the first request waits for the
        next one, and a second within :data:`SECOND_PRESS` seconds closes now, as the first
        request's notice said (never a third: issue 11 item 6).
        """
        runner, session = self.runner, self.session
        if runner is not None and (leave or not self.settings.wait):
            runner.stop_after_session()
        if session is None:
            if not leave:
                self.screen.notice(wording.NO_SESSION_TO_DETACH)
            return
        if session.state in (State.BUSY, State.STARTING):
            now = self.clock()
            if now - self._detach_asked_at <= SECOND_PRESS:
                self._detach_asked_at = -math.inf
                self.screen.notice(wording.CLOSING_NOW, warning=True)
                session.abandon()
                return
            self._detach_asked_at = now
            self.screen.notice(wording.DETACH_AT_NEXT_PROMPT)
        session.detach()

    def start_log(self, path: str) -> None:
        """``:log FILE``: from now on the transcript goes to FILE (a session in course first)."""
        session, number = self.session, self.session_number
        if session is None:
            self.screen.start_log(path)
            return
        peer = wording.peer(session)
        self.screen.start_log(path, lambda log: log.header(self.target, peer, number))
