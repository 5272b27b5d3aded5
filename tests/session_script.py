"""A script player for the session machine: the steps of a table row and their actions, short.

Each step is an event fed to a :class:`SessionMachine` (``got(b"(Pdb) ")``, ``typed("c")``,
``eof``...); :func:`play` runs a script of (step, expected actions) pairs. The harness answers
``ProbePeer`` the way the driver does (``peer_open()`` unless ``peer_gone`` came first). Actions
are written short: ``send c``, ``echo (Pdb) c``, ``show '1\\n'``, ``state busy``, ``ask (Pdb)``,
``start drain 1s``, ``cancel quiet``, ``probe``, ``reply '1\\n'``, ``close``, ``end continued``
(with the head of its detail after a colon).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from rpdb_client.engine import session_actions as act
from rpdb_client.engine.session_machine import SessionMachine

# -- the harness -------------------------------------------------------------------------------

Step = Callable[["Harness"], list[act.Action]]


@dataclass
class Harness:
    machine: SessionMachine
    peer_gone: bool = False
    unread: Optional[int] = None
    """What the driver answers ``CheckTaken`` with (None: the peer is not on this machine)."""
    now: float = 100.0
    states: list[act.State] = field(default_factory=list)

    def run(self, actions: list[act.Action]) -> list[act.Action]:
        """The actions, with the driver's answer to a probe spliced in after it."""
        done: list[act.Action] = []
        for action in actions:
            done.append(action)
            if isinstance(action, act.StateChanged):
                self.states.append(action.state)
            if isinstance(action, act.ProbePeer) and not self.peer_gone:
                done += self.run(self.machine.peer_open())
            if isinstance(action, act.CheckTaken):
                done += self.run(self.machine.taken(self.unread))
            if isinstance(action, act.CheckUnread):
                done += self.run(self.machine.unread_at_prompt(self.unread))
        return done


def got(data: bytes) -> Step:
    return lambda h: h.machine.received(data, h.now)


def typed(line: str) -> Step:
    return lambda h: h.machine.typed(line)


def query(line: str) -> Step:
    def ask(h: Harness) -> list[act.Action]:
        if not h.machine.may_query:
            return [act.Notice("refused")]
        return h.machine.query(line)

    return ask


def fired(timer: act.Timer) -> Step:
    return lambda h: h.machine.timer_fired(timer, h.now)


def eof(h: Harness) -> list[act.Action]:
    return h.machine.connection_ended(None)


def broke(h: Harness) -> list[act.Action]:
    return h.machine.connection_ended("the connection was reset by the debugger's side")


def start(silent_for: float = 0.0) -> Step:
    return lambda h: h.machine.start(silent_for)


def finish(h: Harness) -> list[act.Action]:
    return h.machine.finish()


def detach(h: Harness) -> list[act.Action]:
    return h.machine.detach()


def close_running(h: Harness) -> list[act.Action]:
    return h.machine.close_running()


def abandon(h: Harness) -> list[act.Action]:
    return h.machine.abandon()


def peer_gone(h: Harness) -> list[act.Action]:
    """From now on the probe finds the peer's EOF waiting (the driver does not leave)."""
    h.peer_gone = True
    return []


def unread(count: Optional[int]) -> Step:
    """From now on the server has ``count`` bytes of ours unread (None: cannot be known)."""

    def set_unread(h: Harness) -> list[act.Action]:
        h.unread = count
        return []

    return set_unread


def got_more(data: bytes) -> Step:
    """Bytes arrived, and more already wait behind them."""
    return lambda h: h.machine.received(data, h.now, more_waiting=True)


def _ended(action: act.Ended) -> str:
    head = re.split(r"[,:.]", action.end.detail)[0]
    return f"end {action.end.ending.value}" + (f": {head}" if head else "")


_SHORT: dict[type, Callable[[Any], str]] = {
    act.Send: lambda a: f"send {a.line}",
    act.Echo: lambda a: f"echo {a.prompt.text}{a.line}",
    act.Show: lambda a: f"show {a.text!r}",
    act.Notice: lambda a: f"notice {a.text.split(':')[0]}",
    act.AskUser: lambda a: f"ask {a.prompt.text.rstrip()}",
    act.StateChanged: lambda a: f"state {a.state.value}",
    act.StartTimer: lambda a: f"start {a.timer.value} {a.seconds:g}s",
    act.CancelTimer: lambda a: f"cancel {a.timer.value}",
    act.ProbePeer: lambda a: "probe",
    act.CheckTaken: lambda a: "check taken",
    act.CheckUnread: lambda a: "check unread",
    act.Replied: lambda a: f"reply {a.text!r}",
    act.Close: lambda a: "close",
    act.Ended: _ended,
}


def short(action: act.Action) -> str:
    """An action as a table writes it."""
    return _SHORT[type(action)](action)


Expected = list[str]
Script = tuple[Union[Step, Expected], ...]


def play(script: Script, machine: Optional[SessionMachine] = None) -> Harness:
    """Feed each step and compare its actions with the list that follows it."""
    harness = Harness(machine or SessionMachine())
    steps, expectations = script[::2], script[1::2]
    assert len(steps) == len(expectations), "a step without its expected actions"
    for number, (step, expected) in enumerate(zip(steps, expectations), 1):
        assert callable(step) and isinstance(expected, list)
        actions = [short(action) for action in harness.run(step(harness))]
        assert actions == expected, f"step {number}"
    return harness
