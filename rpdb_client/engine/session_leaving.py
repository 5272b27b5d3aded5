"""How a session leaves without harming the program (docs/protocol.md section 4).

Owns the rules of the way out, for :class:`~rpdb_client.engine.session_machine.SessionMachine`:
the detach's line at each kind of prompt (``end``, ``n``, ``cl N..``, then ``c``), how its
``c`` is confirmed (the end of stream on rpdb and celery; on remote-pdb, the server having read
it, which the driver asks the kernel: ``CheckTaken``), sending it again when a prompt shows it
was lost (three times at most), and the ``cl N..`` before a typed ``c`` on a server that closes
on ``c``. No I/O. Imports the engine's session core, actions and endings, and the parser.
"""

from __future__ import annotations

from typing import Optional

from rpdb_client.engine.session_actions import (
    DETACH_CONTINUES,
    DRAIN_EXTENSIONS,
    DRAIN_SECONDS,
    RESEND_WAIT,
    TAKEN_FIRST_CHECK,
    TAKEN_LAST_CHECK,
    Action,
    CheckTaken,
    Echo,
    Ending,
    Send,
    SessionEnd,
    State,
    Timer,
)
from rpdb_client.engine.session_core import SessionCore
from rpdb_client.engine.session_endings import (
    continue_not_confirmed,
    kept_prompting,
    line_effect,
)
from rpdb_client.wire.parser import Prompt, PromptKind


class SessionLeaving(SessionCore):
    """The safe way out of a session, and the ``c`` that must not leave breakpoints behind."""

    def peer_open(self) -> list[Action]:
        """The probe found the peer still there: leave at the prompt (after ``ProbePeer``)."""
        prompt, self._leave_at = self._leave_at, None
        if prompt is None or self.state is State.ENDED:
            return []
        return self._leave(prompt, [])

    def _leave(self, prompt: Prompt, actions: list[Action]) -> list[Action]:
        """The detach's next line at ``prompt``, or the close when none is left to send."""
        self._set_state(State.DETACHING, actions)
        line = self._detach_line(prompt, actions)
        if line is None and self._continues >= DETACH_CONTINUES:
            return self._end(kept_prompting(self._continues), actions)
        if line is None:
            return self._end_without_eof(actions)
        self._note_sent(line, prompt)
        actions += (Send(line), Echo(line, prompt))
        if line == "c" and self.keeps_connection:  # rpdb and celery end the stream instead
            actions.append(CheckTaken())
        return actions

    def taken(self, unread: Optional[int]) -> list[Action]:
        """After ``CheckTaken``: the bytes the server has not read (None: cannot be known).

        The detach's ``c`` is confirmed by the end of the stream (rpdb, celery) or, on a server
        that keeps its connection, by the server having read it: then the program runs on and
        the session can close at once (nothing of ours is left for it to read as a quit).
        """
        if self.state is State.RUNNING and self._leaving:
            return self._continued_once_read(unread)
        if self.state is not State.DETACHING:
            return []
        actions: list[Action] = []
        if self._reprompted:
            self._reprompted = False
            prompt, self._leave_at = self._leave_at, None
            if not unread and prompt is not None:  # read, yet pdb prompts: the `c` was lost
                if self.keeps_connection:  # only pdb writes there
                    return self._leave(prompt, actions)
                # Or another thread printed a prompt after pdb read the `c`: then the end of
                # stream follows at once. Send again only when it does not come.
                self._resend_at = prompt
                return self._start(Timer.TAKEN, RESEND_WAIT, actions)
        resend, self._resend_at = self._resend_at, None
        if resend is not None and not unread:
            return self._leave(resend, actions)
        drained = Timer.DRAIN not in self._timers
        if unread:  # the `c` waits in the server's buffer: pdb is busy, or about to read it
            if drained:
                if self._drains >= DRAIN_EXTENSIONS:
                    return self._end(continue_not_confirmed(unread), actions)
                self._drains += 1
                self._start(Timer.DRAIN, DRAIN_SECONDS, actions)
            self._taken_pause = min(self._taken_pause * 2, TAKEN_LAST_CHECK)
            return self._start(Timer.TAKEN, self._taken_pause, actions)
        if unread == 0 and (self.keeps_connection or drained):
            # Read, and no prompt came back: the program runs on (a pdb on a socket keeps the
            # connection too, without saying so by its line endings).
            return self._end(SessionEnd(Ending.DETACHED), actions)
        if drained and unread is None and self.keeps_connection:
            # Not this machine: closing leaves nothing unread on our side, and pdb reads the
            # `c` before our end of stream (docs/protocol.md section 4).
            return self._end(SessionEnd(Ending.DETACHED), actions)
        if drained:  # no end of stream after the `c`, and nothing says it was read
            return self._end(continue_not_confirmed(unread), actions)
        return actions

    def _continued_once_read(self, unread: Optional[int]) -> list[Action]:
        """The input's last line was a ``c``: the session is over once the server has read it.

        On rpdb and celery the end of stream comes first; on a server that stays connected the
        server's empty queue says the program runs on (unknown: the drain timer's second)."""
        actions: list[Action] = []
        drained = Timer.DRAIN not in self._timers
        if unread == 0 and (self.keeps_connection or drained):
            return self._end(SessionEnd(Ending.CONTINUED), actions)
        if unread is None and drained:
            return self._end(SessionEnd(Ending.CONTINUED), actions)  # closing leaves nothing unread
        if not drained or unread:
            self._taken_pause = min(self._taken_pause * 2, TAKEN_LAST_CHECK)
            return self._start(Timer.TAKEN, self._taken_pause, actions)
        return actions

    def _after_continue(self, prompt: Prompt, actions: list[Action]) -> bool:
        """A prompt after the detach's ``c``: True when this rule answers it.

        It is the prompt that reads the ``c`` (which went at a look-alike), or the ``c`` was
        lost. The server's unread bytes tell (``taken``).
        """
        if self.state is not State.DETACHING or not self._continues:
            return False
        self._reprompted = True
        self._leave_at = prompt
        actions.append(CheckTaken())
        return True

    def _detach_line(self, prompt: Prompt, actions: list[Action]) -> Optional[str]:
        if prompt.kind is PromptKind.COMMANDS:
            return "end"
        if prompt.kind is PromptKind.QUESTION:
            return "n"
        if prompt.kind.is_python:
            return self.python.detach_line(prompt)  # None: no safe way out, close
        if self.watch.breakpoints:
            return self._clear_line()
        if self._continues >= DETACH_CONTINUES:
            return None  # pdb keeps prompting after `c`: nothing else would leave
        self._continues += 1
        self._taken_pause = TAKEN_FIRST_CHECK
        if Timer.DRAIN not in self._timers:  # a second from the first `c`, however often sent
            self._start(Timer.DRAIN, DRAIN_SECONDS, actions)
        return "c"

    def _clear_line(self) -> str:
        """``cl N..`` for the breakpoints seen set; they count as gone once it is sent (pdb
        deletes every valid number of the list, so asking twice could only loop)."""
        numbers = sorted(self.watch.breakpoints)
        self.watch.breakpoints.clear()
        return "cl " + " ".join(map(str, numbers))

    def _clears_first(self, line: str, prompt: Prompt) -> bool:
        """A ``c`` (alone or in ``;;``) with breakpoints left, on a server that closes on ``c``:
        a breakpoint hit after the session would fire into a closed socket (BrokenPipeError in
        the program, docs/protocol.md section 4). remote-pdb keeps the connection, so they stay.
        """
        return (
            bool(self.watch.breakpoints)
            and prompt.kind.is_debugger
            and not self.keeps_connection
            and line_effect(line).asks is Ending.CONTINUED
        )
