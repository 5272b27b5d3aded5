"""The interactive front end: a prompt_toolkit application on the session engine.

Owns :class:`Repl` and :func:`run_repl`. The input line stays active for the whole run, like a
chat client's: its prompt is the debugger's when it waits, a state marker otherwise
(:mod:`rpdb_client.terminal.toolbar`), and Enter hands the line to ``Session.send``, which queues
it for the next prompt, so lines typed ahead or pasted go out one per prompt, in order, and keys
such as Ctrl-C are read while the program runs. The engine's callbacks and the state shown are
:class:`~rpdb_client.terminal.front_end.ReplFrontEnd`'s, the ``:`` commands
:class:`~rpdb_client.terminal.client_commands.ClientCommands`' (the base classes, in that order);
what is printed above the input line is :class:`~rpdb_client.terminal.screen.Screen`'s; this
module owns the input: typed lines, the client's questions, and the keys' actions
(:mod:`rpdb_client.terminal.key_bindings`).

The dangerous parts of remote pdb are made safe here (:mod:`rpdb_client.vocabulary.risks` judges the
lines): ``q`` and ``interact`` (and ``exit()`` at ``>>>``) are confirmed once per session,
Ctrl-C never disconnects, leaving always detaches (``c`` at the next prompt, the engine's
``detach()``), and nothing the client does on its own sends a line to the debugger.

Imports prompt_toolkit and the UI modules; the engine (session, runner, protocol) never imports
this module. With ``TERM=dumb`` (no cursor movement) the line mode of :mod:`rpdb_client.line_mode`
runs instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Callable, Literal, Optional, cast

from prompt_toolkit import PromptSession
from prompt_toolkit.application.current import create_app_session, get_app_session
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.filters import Condition
from prompt_toolkit.input import create_input
from prompt_toolkit.key_binding.vi_state import InputMode
from prompt_toolkit.lexers import DynamicLexer, Lexer, PygmentsLexer
from prompt_toolkit.output import ColorDepth
from prompt_toolkit.output.vt100 import Vt100_Output
from prompt_toolkit.styles import Style, merge_styles
from prompt_toolkit.utils import is_dumb_terminal

from rpdb_client.config import Settings
from rpdb_client.engine import wording
from rpdb_client.engine.frame_names import make_name_source
from rpdb_client.engine.runner import Runner
from rpdb_client.engine.session import State
from rpdb_client.environment import Environment
from rpdb_client.errors import ExitStatus
from rpdb_client.output.highlight import Renderer, color_enabled
from rpdb_client.terminal.client_commands import ClientCommands
from rpdb_client.terminal.completer import PdbCompleter
from rpdb_client.terminal.history import make_history
from rpdb_client.terminal.key_bindings import make_key_bindings
from rpdb_client.terminal.lexer import PdbLexer, PdbPythonLexer
from rpdb_client.terminal.pager import ReplyPager
from rpdb_client.terminal.screen import Screen
from rpdb_client.terminal.style import make_style
from rpdb_client.terminal.toolbar import make_continuation, make_prompt, make_toolbar
from rpdb_client.vocabulary.commands import PromptMode
from rpdb_client.vocabulary.risks import block_statement, code_lines, interact_lines, risk_of
from rpdb_client.wire.parser import PromptKind

__all__ = ["CompactOutput", "Repl", "run_repl"]

_VI_MODES = {
    InputMode.INSERT: "insert",
    InputMode.NAVIGATION: "normal",
    InputMode.REPLACE: "replace",
}
"""The vi modes in vi's own words, for the toolbar."""

SECOND_CTRL_C = 2.0
"""A second Ctrl-C within this many seconds, while the program runs, leaves safely."""

# The classes of the client's own messages, beside style.py's (prompt_toolkit ignores unknowns).
_MESSAGE_STYLE = {True: {"notice": "ansicyan", "warning": "bold ansiyellow"}, False: {}}


class Repl(ClientCommands):
    """The interactive client: see the module docstring. ``await Repl(settings, env).run()``.

    Its terminal is the current prompt_toolkit app session's (:func:`run_repl` makes it from
    ``env``'s streams); ``env`` also gives the variables (``NO_COLOR``, ``XDG_STATE_HOME``) and
    the clock.
    """

    def __init__(self, settings: Settings, env: Environment) -> None:
        self.env = env
        mode = cast(Literal["auto", "always", "never"], settings.color)
        self.color = color_enabled(mode, env.stdout_isatty, env.environ)
        output = get_app_session().output
        depth = output.get_default_color_depth() if self.color else ColorDepth.DEPTH_1_BIT
        renderer = Renderer(settings.style, depth.value, enabled=self.color, raw=settings.raw)
        style = merge_styles(
            [make_style(settings.style, self.color), Style.from_dict(_MESSAGE_STYLE[self.color])]
        )
        super().__init__(settings)
        self._on_yes: Callable[[], None] = lambda: None
        self._ctrl_c_at = -math.inf  # no Ctrl-C yet, whatever the clock reads
        self._hinted = False
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
            bottom_toolbar=make_toolbar(self, self._columns) if settings.toolbar else None,
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
        self.runner = Runner(self.settings, self, clock=self.env.monotonic)
        for warning in self._early_warnings:
            self.screen.notice(warning, warning=True)
        if self.settings.log_file:
            self.start_log(self.settings.log_file)
        app_task = asyncio.ensure_future(self.prompt_session.prompt_async(handle_sigint=False))
        runner_task = asyncio.ensure_future(self.runner.run())
        try:
            await asyncio.wait({app_task, runner_task}, return_when=asyncio.FIRST_COMPLETED)
            if app_task.done() and not runner_task.done():
                self.runner.interrupt()  # the input is gone (an error): leave the program safely
            return await runner_task
        finally:
            self.screen.flush()
            if not app_task.done():
                if self.app.is_running:
                    self.app.exit(result="")
                else:
                    app_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, EOFError, KeyboardInterrupt):
                await app_task
            self.screen.close_log()

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
        """Ctrl-C: clear the line; while the program runs, explain, and leave on a second one."""
        had_text = bool(buffer.text)
        buffer.reset()
        if self.question is not None:
            self._cancel_question()
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
        now = self.env.monotonic()
        if now - self._ctrl_c_at <= SECOND_CTRL_C and runner is not None:
            self._ctrl_c_at = -math.inf
            self.screen.notice(wording.LEAVING_SAFELY)
            runner.interrupt()
            return
        self._ctrl_c_at = now
        self.screen.notice(wording.CTRL_C_WHILE_RUNNING, warning=True)

    def end_of_input(self) -> None:
        """Ctrl-D on an empty line: detach safely and exit (or decline a question)."""
        if self.question is not None:
            self._cancel_question()
            return
        self.detach(leave=True)

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
        return False

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

    def _submit_paste(self, lines: list[str]) -> None:
        """Several lines at once: each is a line of its own (a blank one would repeat)."""
        lines = code_lines("\n".join(lines))
        for index, line in enumerate(lines):
            self._submit(line)
            rest = len(lines) - index - 1
            if self.question is not None and rest:
                self.screen.notice(wording.answer_first(rest))
                return

    def _send_command(self, line: str) -> None:
        """A line for the debugger's prompt, after the once-per-session confirmations."""
        kind = self.prompt_kind()
        risk = risk_of(line, kind, confirm_quit=self.settings.confirm_quit)
        if risk is not None and risk.key not in self.asked:
            self.asked.add(risk.key)
            self._ask(risk.warning, risk.question, lambda: self._send_command(line))
            return
        if self.send(line) and (kind is None or kind.is_debugger):
            self.last_command = line

    def _send_block(self, text: str) -> None:
        """Python: lines for ``interact``'s ``>>>``, or one ``!`` statement at a pdb prompt."""
        lines = code_lines(text)
        kind = self.prompt_kind()
        if kind is not None and kind.is_python:
            for line in interact_lines(lines):
                self._send_command(line)
                if self.question is not None:
                    return
        elif lines:
            statement = block_statement(lines)
            # Echoed as written, not as the one `!` line that carries it (the log has that).
            self.shown_as[statement] = "\n".join(lines)
            self._send_command(statement)

    # -- questions ---------------------------------------------------------------------------

    def _ask(self, warning: str, question: str, on_yes: Callable[[], None]) -> None:
        self.screen.notice(warning, warning=True)
        self.question, self._on_yes = question, on_yes

    def _answer(self, text: str) -> None:
        question, on_yes = self.question or "", self._on_yes
        self.question = None
        self.screen.write([("class:prompt.question", question), ("", text + "\n")])
        if text.strip().lower() in ("y", "yes"):
            on_yes()
        else:
            self.screen.notice(wording.DECLINED)

    def _cancel_question(self) -> None:
        self.question = None
        self.screen.notice(wording.DECLINED)
        self.app.invalidate()

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
        self.prompt_session.bottom_toolbar = make_toolbar(self, self._columns) if shown else None

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


class CompactOutput(Vt100_Output):
    """A terminal output that keeps the input line and the toolbar right under the output.

    prompt_toolkit draws a bottom toolbar only once it knows the rows below the cursor, which a
    vt100 terminal tells through a cursor position report. The REPL reprints above its input
    line at every reply, which forgets that height, so the toolbar would vanish until the next
    report came back (flicker), and never show where reports are off (PROMPT_TOOLKIT_NO_CPR).
    "No rows below" keeps the layout as tall as it needs to be, toolbar included.
    """

    def get_rows_below_cursor_position(self) -> int:
        return 0


async def run_repl(settings: Settings, env: Environment) -> ExitStatus:
    """The interactive client (``env``'s stdin and stdout are terminals)."""
    term = env.environ.get("TERM")
    if is_dumb_terminal(term or ""):  # None would make it read os.environ itself
        return await _run_plain(settings, env)
    output = CompactOutput.from_pty(env.stdout, term=term)
    with create_app_session(input=create_input(env.stdin), output=output):
        return await Repl(settings, env).run()


async def _run_plain(settings: Settings, env: Environment) -> ExitStatus:
    """A terminal without cursor movement (Emacs' shell): line mode, prompts as plain text."""
    from rpdb_client.line_mode import run_line_mode

    return await run_line_mode(settings, env, wording.DUMB_TERMINAL)
