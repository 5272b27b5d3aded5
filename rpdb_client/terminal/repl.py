"""The interactive front end: a prompt_toolkit application on the session engine.

Owns :class:`Repl` and :func:`run_repl`. The input line stays active for the whole run, like a
chat client's: its prompt is the debugger's when it waits, a state marker otherwise
(:mod:`rpdb_client.terminal.toolbar`), and Enter hands the line to ``Session.send``, which queues
it for the next prompt, so lines typed ahead or pasted go out one per prompt, in order, and keys
such as Ctrl-C are read while the program runs. The engine's callbacks and the state shown are
:class:`~rpdb_client.terminal.front_end.ReplFrontEnd`'s, the ``:`` commands
:class:`~rpdb_client.terminal.client_commands.ClientCommands`', the yes/no questions
:class:`~rpdb_client.terminal.questions.Questions`', what a typed line or block becomes
:class:`~rpdb_client.terminal.sending.Sending`' (the base classes, in that order);
what is printed above the input line is :class:`~rpdb_client.terminal.screen.Screen`'s; this
module owns the input: typed lines, the client's questions, and the keys' actions
(:mod:`rpdb_client.terminal.key_bindings`).

The dangerous parts of remote pdb are made safe here (:mod:`rpdb_client.vocabulary.risks` judges the
lines): ``q`` and ``interact`` (and ``exit()`` at ``>>>``) are confirmed until the user says
yes once in the session,
Ctrl-C never disconnects, leaving always detaches (``c`` at the next prompt, the engine's
``detach()``), and nothing the client does on its own sends a line to the debugger.

Imports prompt_toolkit and the UI modules; the engine (session, runner, protocol) never imports
this module. With ``TERM=dumb`` (no cursor movement) the line mode of :mod:`rpdb_client.line_mode`
runs instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Callable, Literal, Optional, cast

from prompt_toolkit import PromptSession
from prompt_toolkit.application.current import create_app_session, get_app_session
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.input import create_input
from prompt_toolkit.key_binding.vi_state import InputMode
from prompt_toolkit.lexers import DynamicLexer, Lexer, PygmentsLexer
from prompt_toolkit.output import ColorDepth
from prompt_toolkit.styles import Style, merge_styles
from prompt_toolkit.utils import is_dumb_terminal

from rpdb_client.config import Settings
from rpdb_client.engine import wording
from rpdb_client.engine.frame_names import make_name_source
from rpdb_client.engine.runs import make_runner
from rpdb_client.engine.session import State
from rpdb_client.environment import Environment
from rpdb_client.errors import ExitStatus
from rpdb_client.output.highlight import Renderer, color_enabled
from rpdb_client.terminal.client_commands import SECOND_PRESS
from rpdb_client.terminal.completer import PdbCompleter
from rpdb_client.terminal.history import make_history
from rpdb_client.terminal.key_bindings import make_key_bindings
from rpdb_client.terminal.lexer import PdbLexer, PdbPythonLexer
from rpdb_client.terminal.pager import ReplyPager
from rpdb_client.terminal.screen import Screen
from rpdb_client.terminal.sending import Sending
from rpdb_client.terminal.style import make_style
from rpdb_client.terminal.terminal_output import CompactOutput
from rpdb_client.terminal.toolbar import guarded, make_continuation, make_prompt, make_toolbar
from rpdb_client.vocabulary.commands import PromptMode
from rpdb_client.vocabulary.risks import (
    EXIT_RETURNS_FROM,
)
from rpdb_client.wire.parser import PromptKind

if TYPE_CHECKING:
    from rpdb_client.remote.reach import Reach

__all__ = ["Repl", "run_repl"]

_VI_MODES = {
    InputMode.INSERT: "insert",
    InputMode.NAVIGATION: "normal",
    InputMode.REPLACE: "replace",
}
"""The vi modes in vi's own words, for the toolbar."""

SECOND_CTRL_C = SECOND_PRESS
"""A second Ctrl-C within this many seconds, while the program runs, leaves safely."""

# The classes of the client's own messages, beside style.py's (prompt_toolkit ignores unknowns).
_MESSAGE_STYLE = {True: {"notice": "ansicyan", "warning": "bold ansiyellow"}, False: {}}


class Repl(Sending):
    """The interactive client: see the module docstring. ``await Repl(settings, env).run()``.

    Its terminal is the current prompt_toolkit app session's (:func:`run_repl` makes it from
    ``env``'s streams); ``env`` also gives the variables (``NO_COLOR``, ``XDG_STATE_HOME``) and
    the clock.
    """

    def __init__(self, settings: Settings, env: Environment, reach: Optional[Reach] = None) -> None:
        self.env = env
        self._reach = reach
        mode = cast(Literal["auto", "always", "never"], settings.color)
        self.color = color_enabled(mode, env.stdout_isatty, env.environ)
        output = get_app_session().output
        depth = output.get_default_color_depth() if self.color else ColorDepth.DEPTH_1_BIT
        renderer = Renderer(settings.style, depth.value, enabled=self.color, raw=settings.raw)
        style = merge_styles(
            [make_style(settings.style, self.color), Style.from_dict(_MESSAGE_STYLE[self.color])]
        )
        super().__init__(settings, env.monotonic)
        self._early_warnings: list[str] = []
        self.history = make_history(settings, env.environ, self._early_warnings.append)
        self._lexers = {False: PygmentsLexer(PdbLexer), True: PygmentsLexer(PdbPythonLexer)}
        # Tab asks the debugger for the frame's names (a side query at an idle pdb prompt,
        # bounded in time, never shown); settings.remote_completion turns it off.
        self.frame_names = make_name_source(lambda: self.session, settings.remote_completion)
        self.prompt_session: PromptSession[str] = PromptSession(
            message=make_prompt(self),
            prompt_continuation=make_continuation(),
            multiline=Condition(lambda: self.editing_block),
            history=self.history,
            auto_suggest=AutoSuggestFromHistory(),
            completer=PdbCompleter(
                breakpoints=lambda: dict(self.session.breakpoints) if self.session else {},
                names_async=self.frame_names,
                dict_keys=self.frame_names.keys,
                file_source=self.frame_names.source,
                seen_names=self.seen_names,
                mode=self._prompt_mode,
            ),
            complete_while_typing=False,
            lexer=DynamicLexer(self._lexer),
            style=style,
            include_default_pygments_style=False,
            color_depth=depth,
            vi_mode=settings.vi,
            # Ctrl-Z stops the client as it stops any program (the debugged one waits at its
            # prompt); `fg` brings the REPL back with the session as it was.
            enable_suspend=True,
            key_bindings=make_key_bindings(self),
            bottom_toolbar=self._toolbar() if settings.toolbar else None,
            refresh_interval=1.0,
            erase_when_done=True,
        )
        self.app = self.prompt_session.app
        # The app runs for the whole client: Enter hands the line over instead of ending it.
        self.prompt_session.default_buffer.accept_handler = self._accept
        self.screen = Screen(self.app, style, depth, renderer, env.wall)
        self.pager = ReplyPager(settings.pager, env.environ, self._screen_size, self.screen.write)

    # -- the run -----------------------------------------------------------------------------

    async def run(self) -> ExitStatus:
        """Run the sessions the settings ask for; the application lives as long as the run."""
        self.runner = make_runner(self.settings, self, self.env.monotonic, self._reach)
        for warning in self._early_warnings:
            self.screen.notice(warning, warning=True)
        if self.settings.log_file:
            self.start_log(self.settings.log_file)
        app_task = asyncio.ensure_future(self.prompt_session.prompt_async(handle_sigint=False))
        runner_task = asyncio.ensure_future(self.runner.run())
        try:
            await asyncio.wait({app_task, runner_task}, return_when=asyncio.FIRST_COMPLETED)
            if app_task.done() and not runner_task.done():
                self.terminal_gone()  # the input is gone (an error): leave the program safely
            return await runner_task
        finally:
            self.screen.flush()
            if not app_task.done():
                if self.app.is_running:
                    self.app.exit(result="")
                else:
                    app_task.cancel()
            # EOFError, OSError: the terminal went away (what SIGHUP says too), not a failure.
            with contextlib.suppress(asyncio.CancelledError, EOFError, KeyboardInterrupt, OSError):
                await app_task
            self.screen.close_log()

    def terminal_gone(self) -> None:
        """The terminal closed under the client: detach safely, as on SIGHUP (which may come
        too, before or after; a hangup is not a second request)."""
        if self.runner is not None:
            self.runner.hang_up()

    @property
    def editing_python(self) -> bool:
        kind = self.prompt_kind()
        return self.python_mode or (kind is not None and kind.is_python)

    @property
    def editing_block(self) -> bool:
        return self.question is None and self.editing_python

    @property
    def input_text(self) -> str:
        return self.prompt_session.default_buffer.text

    # -- keys (key_bindings.KeyActions) ------------------------------------------------------

    def interrupt(self, buffer: Buffer) -> None:
        """Ctrl-C: clear the line; what else it means is :meth:`ctrl_c`'s."""
        had_text = bool(buffer.text)
        buffer.reset()
        self.ctrl_c(had_text)

    def end_of_input(self) -> None:
        """Ctrl-D on an empty line: leave safely and exit (or decline a question)."""
        if self.question is not None:
            self.cancel_question()
            return
        self.request_leave(leave=True)

    def request_leave(self, *, leave: bool) -> None:
        """Ctrl-D, ``:quit``, ``:detach``: at ``>>>`` ask first, saying what leaving does on the
        program's Python; elsewhere detach at once."""
        kind = self.prompt_kind()
        if kind is None or not kind.is_python:
            self.detach(leave=leave)
            return
        version = self.program.version(self.session)
        on_yes = lambda: self._leave_interact(version, leave)  # noqa: E731 - one use
        self._ask(wording.leaving_interact(version), wording.LEAVE_QUESTION, on_yes)

    def _leave_interact(self, version: Optional[tuple[int, int]], leave: bool) -> None:
        """From 3.13, exit() returns to pdb, where the detach's c follows; before, only closing
        is left (the program gets BdbQuit, as the question said)."""
        returns = version is not None and version >= EXIT_RETURNS_FROM
        if returns and self.session is not None and self.send("exit()"):
            if self.runner is not None and (leave or not self.settings.wait):
                self.runner.stop_after_session()
            self.session.finish()
            return
        self.detach(leave=leave)

    def toggle_python_mode(self) -> None:
        self.python_mode = not self.python_mode
        if self.python_mode:
            self.screen.notice(wording.PYTHON_MODE_ON)
        self.app.invalidate()

    # -- typed lines -------------------------------------------------------------------------

    def _accept(self, buffer: Buffer) -> bool:
        """Enter: the line goes to the debugger, the client, or answers the client's question."""
        text = buffer.text
        if self.question is not None:
            buffer.reset()  # an answer is not worth a place in the history
        if self.program.held is not None:
            self.program.held.append(text)  # after the interact being decided
        else:
            self._take(text)
        return False

    def _take(self, text: str) -> None:
        if self.question is not None:
            self._answer(text)
        elif self.editing_python and not text.lstrip().startswith(":"):
            self._send_block(text)
        elif "\n" in text:
            self._submit_paste(text.split("\n"))
        else:
            self._submit(text)
        if self.settings.vi:
            # One application serves every prompt, so nothing resets vi's mode between lines
            # (Esc then Enter left the next prompt in normal mode, where `p 2` is a command).
            self.app.vi_state.input_mode = InputMode.INSERT
        self.app.invalidate()

    def _submit(self, line: str) -> None:
        stripped = line.strip()
        if stripped.startswith(":"):
            self.run_client_command(stripped)
            return
        kind = self.prompt_kind()
        if stripped:
            self._send_command(line)
        elif kind is not None and not kind.is_debugger and kind is not PromptKind.COMMANDS:
            self.send(line)  # at a question or a custom prompt an empty answer means something
        elif kind is not None and kind.is_debugger and self.last_command and not self._running():
            self._send_command(self.last_command)  # pdb's repeat, made explicit: never ""

    # -- state -------------------------------------------------------------------------------

    def redraw(self) -> None:
        self.app.invalidate()

    def _running(self) -> bool:
        """The program runs after ``c``: Enter must not queue a repeat for its next stop."""
        return self.session is not None and self.session.state is State.RUNNING

    def prompt_text(self) -> str:
        return "".join(fragment[1] for fragment in make_prompt(self)())

    @property
    def toolbar_shown(self) -> bool:
        return self.prompt_session.bottom_toolbar is not None

    def show_toolbar(self, shown: bool) -> None:
        self.prompt_session.bottom_toolbar = self._toolbar() if shown else None

    def _toolbar(self) -> Callable[[], StyleAndTextTuples]:
        return guarded(make_toolbar(self, self._columns), self._toolbar_failed)

    def _toolbar_failed(self, error: Exception) -> None:
        """A field of the toolbar raised while it was drawn: say so once, and go on without."""
        self.prompt_session.bottom_toolbar = None
        # Not from inside the render that called us: the notice prints above the input line.
        asyncio.get_running_loop().call_soon(
            lambda: self.screen.notice(wording.toolbar_failed(error), warning=True)
        )

    @property
    def vi_mode(self) -> str:
        if not self.settings.vi:
            return ""
        mode = self.app.vi_state.input_mode
        return _VI_MODES.get(mode, mode.value)

    def _columns(self) -> int:
        return self.app.output.get_size().columns

    def _screen_size(self) -> tuple[int, int]:
        size = self.app.output.get_size()
        return size.rows, size.columns

    def _prompt_mode(self) -> PromptMode:
        kind = self.prompt_kind()
        if self.editing_python:
            return PromptMode.PYTHON
        if kind is None or kind.is_debugger:
            return PromptMode.PDB
        return PromptMode.COMMANDS if kind is PromptKind.COMMANDS else PromptMode.QUESTION

    def _lexer(self) -> Optional[Lexer]:
        return None if self.question is not None else self._lexers[self.editing_python]


async def run_repl(
    settings: Settings, env: Environment, reach: Optional[Reach] = None
) -> ExitStatus:
    """The interactive client (``env``'s stdin and stdout are terminals); ``reach``: how the
    run reaches its other machines (``settings.places``)."""
    term = env.environ.get("TERM")
    if is_dumb_terminal(term or ""):  # None would make it read os.environ itself
        return await _run_plain(settings, env, reach)
    output = cast(CompactOutput, CompactOutput.from_pty(env.stdout, term=term))
    with create_app_session(input=create_input(env.stdin), output=output):
        repl = Repl(settings, env, reach)
        output.on_gone = repl.terminal_gone
        return await repl.run()


async def _run_plain(settings: Settings, env: Environment, reach: Optional[Reach]) -> ExitStatus:
    """A terminal without cursor movement (Emacs' shell): line mode, prompts as plain text."""
    from rpdb_client.line_mode import run_line_mode

    return await run_line_mode(settings, env, wording.DUMB_TERMINAL, reach)
