"""Line mode: commands from standard input and ``-c``, the debugger's output to stdout.

Owns the non-interactive front end and its whole run, :func:`run_line_mode` (used when stdin is
not a terminal, and by the REPL on a ``TERM=dumb`` terminal): each line read from
stdin is sent at the next prompt of whichever session is current, in order, after that
session's ``-c`` commands; the end of stdin means "no more typed commands", so every session
then detaches safely once its queue is empty. On a terminal (``TERM=dumb``) a person types the
lines: the terminal has echoed them already, and the end of input (Ctrl-D) means "leave": the
run stops after this session instead of letting every later breakpoint go. The debugger's
output goes to stdout as received (each sent line echoed after its prompt, so the output reads
like the terminal would), the client's own messages to stderr; what they say is
:mod:`rpdb_client.engine.wording`'s. When the client's own output fails (stdout, stderr or the
transcript), it detaches safely and the run ends with ``ExitStatus.OUTPUT_FAILED``: that is the
client's problem, never the program's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections import deque
from typing import TYPE_CHECKING, Callable, Optional, TextIO

from rpdb_client.config import Settings
from rpdb_client.engine import wording
from rpdb_client.engine.runner import Runner
from rpdb_client.engine.runs import make_runner
from rpdb_client.engine.session import Session, SessionEnd, State
from rpdb_client.environment import Environment
from rpdb_client.errors import ExitStatus
from rpdb_client.output.guarded import GuardedStream, why_it_failed
from rpdb_client.output.sanitize import RESET_ATTRIBUTES, Sanitizer, make_visible
from rpdb_client.output.transcript import Transcript
from rpdb_client.wire.connection import UnsendableLine
from rpdb_client.wire.parser import Prompt

if TYPE_CHECKING:
    from rpdb_client.remote.reach import Reach

_READ_SIZE = 65536


async def run_line_mode(
    settings: Settings, env: Environment, notice: str = "", reach: Optional[Reach] = None
) -> ExitStatus:
    """The whole line-mode run: lines from ``env``'s stdin, then the transcript closed.

    The one way to run line mode (piped input, and the REPL's ``TERM=dumb`` fallback);
    ``notice`` is said first (why line mode runs).
    """
    front_end = LineFrontEnd(settings, env)
    runner = front_end.runner = make_runner(settings, front_end, env.monotonic, reach)
    try:
        if notice:
            front_end.on_notice(notice)
        front_end.read_stdin()
        return await runner.run()
    finally:
        front_end.close()


class LineFrontEnd:
    """The front end for piped input and scripted runs."""

    def __init__(self, settings: Settings, env: Environment) -> None:
        self._settings = settings
        self._stdin = env.stdin
        self._stdout = GuardedStream(env.stdout, "standard output", self._failed, self._escaped)
        self._stderr = GuardedStream(env.stderr, "standard error", self._failed)
        self.runner: Optional[Runner] = None
        self._failure = ""
        """What of the client's own output failed, and why ("" while all works)."""
        # The program's colour, or an unterminated concealing ESC[8m, must not hide our words
        # nor, after the exit, the shell: once the output has set attributes on the terminal,
        # they are reset before a message of ours and at the end.
        self._output_on_terminal = env.stdout_isatty
        self._notices_on_terminal = env.stderr_isatty
        self._attributes_set = False
        self._lines: deque[str] = deque()
        self._stdin_done = False
        self._typed = env.stdin_isatty
        """A person types stdin's lines at a (dumb) terminal, which echoes them itself."""
        self._typed_sent: deque[str] = deque()
        self._session: Optional[Session] = None
        self._shown_prompt: Optional[Prompt] = None
        self._line_number = 0
        # Output is data, not instructions for the terminal (request data can be hostile).
        self._sanitizer = Sanitizer(raw=settings.raw or not env.stdout_isatty)
        self._transcript: Optional[Transcript] = None
        if settings.log_file:
            try:
                self._transcript = Transcript.open(settings.log_file, env.wall)
            except OSError as error:
                self.on_notice(wording.cannot_log(settings.log_file, error))
            else:
                if self._transcript.tightened_from is not None:
                    mode = self._transcript.tightened_from
                    self.on_notice(wording.tightened(settings.log_file, mode))

    # -- standard input ----------------------------------------------------------------------

    def read_stdin(self) -> None:
        """Read stdin in a thread (it may be a file, a pipe or a terminal) into this loop."""
        loop = asyncio.get_running_loop()
        read = _chunk_reader(self._stdin)

        def hand_over(callback: Callable[..., None], *args: bytes) -> bool:
            try:
                loop.call_soon_threadsafe(callback, *args)
            except RuntimeError:  # the run is over and its loop closed: nobody reads on
                return False
            return True

        def reader() -> None:
            pending = b""
            while True:
                try:
                    chunk = read()
                except (OSError, ValueError):  # ValueError: a stream closed under us
                    chunk = b""
                if not chunk:
                    break
                *lines, pending = (pending + chunk).split(b"\n")
                if not all(hand_over(self._on_stdin_line, raw) for raw in lines):
                    return
            if pending and not hand_over(self._on_stdin_line, pending):
                return
            hand_over(self._on_stdin_end)

        threading.Thread(target=reader, name="stdin", daemon=True).start()

    def _on_stdin_line(self, raw: bytes) -> None:
        self._line_number += 1
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            self.on_notice(wording.not_utf8(self._line_number))
            return
        self._lines.append(line)  # a blank one only ends a statement (Session.send)
        self._hand_over()

    def _on_stdin_end(self) -> None:
        self._stdin_done = True
        if self._typed and self.runner is not None:
            self.runner.stop_after_session()  # Ctrl-D: leave, as in the REPL
        self._hand_over()

    def _hand_over(self) -> None:
        session = self._session
        if session is None or session.state in (State.DETACHING, State.ENDED) or self._failure:
            return
        while self._lines:
            line = self._lines.popleft()
            if self._typed:
                self._typed_sent.append(line)  # before: at a prompt, send() echoes at once
            try:
                session.send(line, blank_repeats=False)
            except UnsendableLine as error:
                if self._typed_sent and self._typed_sent[-1] == line:
                    self._typed_sent.pop()
                self.on_notice(wording.refused_line(error, line))
        if self._stdin_done:
            session.finish()

    # -- the runner's callbacks --------------------------------------------------------------

    def on_waiting(self, target: str, sessions_done: int) -> None:
        self.on_notice(
            wording.waiting(target, sessions_done, wording.STOP_WAITING_KEYS["line mode"])
        )

    def on_session_start(self, session: Session, number: int) -> None:
        self._session = session
        self.on_notice(wording.connected(session, number, self._settings.wait))
        target = wording.address(self._settings.host, self._settings.port)
        self._log(lambda log: log.header(target, wording.peer(session), number))
        if self._failure:
            return  # not one line more: the run stops, the session is left safely
        for command in self._settings.commands:
            session.send(command)
        self._hand_over()

    def on_session_end(self, session: Session, end: SessionEnd) -> None:
        self._session = None
        self._stdout.write(self._sanitizer.flush())
        self._flush()
        leftover = session.unsent()
        self._typed_sent.clear()  # what was not sent goes back to the queue, typed again
        if leftover:
            if self._settings.wait:
                self._lines.extendleft(reversed(leftover))
            else:
                self.on_notice(wording.lines_not_sent(len(leftover)))
        said = wording.describe_end(end, session)
        self.on_notice(said)
        self._log(lambda log: log.note(said))

    async def confirm_owner(self, owner: str) -> bool:
        """Nobody to ask: another user's listener is refused unless ``--trust-owner``."""
        return False

    def on_notice(self, text: str) -> None:
        self._flush()
        # Our sentences quote other processes (command lines, paths, errors): shown, not obeyed.
        reset = RESET_ATTRIBUTES if self._attributes_set and self._notices_on_terminal else ""
        self._stderr.write(f"{reset}rpdb-connect: {make_visible(text)}\n")
        self._stderr.flush()

    # -- the session's callbacks -------------------------------------------------------------

    def on_output(self, text: str) -> None:
        self._show(self._sanitizer.feed(text))
        self._log(lambda log: log.output(text))

    def on_prompt(self, prompt: Prompt) -> None:
        self._show_prompt(prompt)
        self._flush()

    def on_sent(self, line: str, prompt: Prompt) -> None:
        # No flush here: the reply follows at once; output is flushed whenever the client
        # waits (a prompt with nothing queued, a notice, the end of a session).
        self._show_prompt(prompt)
        if self._typed_sent and self._typed_sent[0] == line:
            self._typed_sent.popleft()  # the terminal showed it as it was typed
        else:
            self._stdout.write(line + "\n")
        self._log(lambda log: log.user(line))

    def on_state(self, state: State) -> None:
        pass

    def close(self) -> None:
        """The run is over: close the transcript, and leave the terminal's colours as found."""
        if self._attributes_set:
            self._attributes_set = False
            with contextlib.suppress(OSError, ValueError):
                self._stdout.write(RESET_ATTRIBUTES)
                self._stdout.flush()
        transcript, self._transcript = self._transcript, None
        if transcript is not None:
            try:
                transcript.close()
            except OSError as error:
                self._failed(wording.transcript_name(transcript.path), why_it_failed(error))

    # -- the client's own output failing -------------------------------------------------------

    def _log(self, write: Callable[[Transcript], None]) -> None:
        transcript = self._transcript
        if transcript is None:
            return
        try:
            write(transcript)
        except OSError as error:
            self._transcript = None
            self._failed(wording.transcript_name(transcript.path), why_it_failed(error))
            with contextlib.suppress(OSError):  # what it held cannot be written either: said
                transcript.close()

    def _failed(self, what: str, why: str) -> None:
        """The client's own output failed: say so (on stderr, if it works) and leave safely."""
        if self._failure:
            return
        self._failure = f"{what}: {why}"
        self.on_notice(wording.output_failed(what, why))
        if self.runner is not None:
            # After the session's current callback: the session is left between two events.
            asyncio.get_running_loop().call_soon(self.runner.give_up, ExitStatus.OUTPUT_FAILED)

    def _escaped(self, encoding: str) -> None:
        self.on_notice(wording.output_escaped(encoding))

    def _show_prompt(self, prompt: Prompt) -> None:
        if self._shown_prompt is not prompt:
            self._shown_prompt = prompt
            # The prompt is the server's text, and may carry the program's output before a
            # question (``Clear all breaks?``): sanitised like the rest of the output.
            self._show(self._sanitizer.feed(prompt.text) + self._sanitizer.flush())

    def _show(self, text: str) -> None:
        """The debugger's text, sanitised, to stdout; noting whether it may set attributes."""
        if self._output_on_terminal and "\x1b" in text:
            self._attributes_set = True
        self._stdout.write(text)

    def _flush(self) -> None:
        self._stdout.flush()  # a failure is the GuardedStream's to report


def _chunk_reader(stdin: TextIO) -> Callable[[], bytes]:
    """Reads the next bytes of ``stdin`` (b"" at its end): lines are decoded one by one.

    A stream with a file descriptor is read through the raw descriptor: a daemon thread blocked
    inside a buffered reader would hold its lock at interpreter shutdown and abort the process.
    A stream in memory (a test's) has none, and is read through its buffer.
    """
    try:
        fd = stdin.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return lambda: stdin.buffer.read(_READ_SIZE)
    return lambda: os.read(fd, _READ_SIZE)
