"""The pdb vocabulary as data: command names, aliases, argument kinds, synopses, one-line help.

Owns what the debugger's commands are (for CPython 3.9 to 3.14's ``pdb``), what each does to the
session (stays at the prompt, resumes the program, ends the session, changes the prompt), which
ones harm the program and what the client asks before sending them (:class:`Risk`), which replies
are Python, and how pdb splits a typed line into a command word and its argument (the client's own
``:`` commands are :mod:`rpdb_client.vocabulary.client_commands`). The session, the completer, the
lexer, the renderer, the confirmations and the toolbar hint all read these tables, so they cannot
disagree.

Standard library only: no prompt_toolkit, no pygments, no other rpdb_client module.
"""

from __future__ import annotations

import enum
import string
from dataclasses import dataclass

__all__ = [
    "COMMANDS",
    "COMMAND_LIST_COMMANDS",
    "EXIT_RISK",
    "HELP_TOPICS",
    "IDENTCHARS",
    "INTERACT_RISK",
    "PYTHON_CALL_RISKS",
    "QUIT_RISK",
    "SERVERS",
    "ArgKind",
    "Command",
    "Effect",
    "PromptMode",
    "Risk",
    "command_word",
    "find_command",
    "split_command",
    "split_commands",
]


class PromptMode(enum.Enum):
    """What the prompt the user is answering expects (it decides completion and highlighting)."""

    PDB = "pdb"
    """``(Pdb) `` and the nested ``((Pdb)) `` of ``debug``: pdb commands or Python."""
    COMMANDS = "commands"
    """``(com) `` inside ``commands N``: pdb commands, plus ``silent`` and ``end``."""
    PYTHON = "python"
    """``>>> `` / ``... `` inside ``interact``: Python only."""
    QUESTION = "question"
    """A question such as ``Clear all breaks? ``: a free answer."""


class ArgKind(enum.Enum):
    """What follows a command word."""

    NONE = "none"
    EXPRESSION = "expression"
    STATEMENT = "statement"
    BREAKPOINTS = "breakpoint numbers"
    """One or more breakpoint numbers (``disable 1 2``)."""
    BREAKPOINT = "breakpoint number"
    """At most one breakpoint number (``commands 3``)."""
    BREAKPOINT_CONDITION = "breakpoint number, then an expression"
    BREAKPOINT_COUNT = "breakpoint number, then a count"
    BREAKPOINTS_OR_LOCATION = "breakpoint numbers or file:line"
    LOCATION = "location"
    """``[file:]line`` or a function, optionally followed by ``, condition``."""
    LINE = "line number"
    LINE_RANGE = "line range"
    COUNT = "count"
    """A whole number: frames to move, stack entries, an exception index."""
    COMMAND_NAME = "command name"
    TEXT = "free text"
    FILE = "local file"
    """A path on the client's machine (``:log FILE``)."""
    SWITCH = "on or off"
    """``on``, ``off``, or nothing to see which (``:ascii``)."""


class Effect(enum.Enum):
    """What sending a command does to the session."""

    STAYS = "stays"
    """The debugger answers and prompts again at once."""
    RESUMES = "resumes"
    """The program runs; the next prompt comes only when it stops again (maybe never)."""
    ENDS = "ends"
    """The debugger stops reading from this connection (it closes it, or the program leaves)."""


SERVERS = ("pdb", "rpdb", "remote-pdb", "celery")
"""The names ``Command.effect_on`` understands: a plain ``pdb.Pdb``, rpdb, remote-pdb and
``celery.contrib.rdb``."""


@dataclass(frozen=True)
class Risk:
    """Why a line harms the debugged program, and the question asked before it is sent."""

    key: str
    """What is asked about; the REPL asks once per session for each key."""
    warning: str
    """Why, in a sentence or two; ``{word}`` stands for the command word as typed."""
    question: str
    """The short question shown as the prompt (answered y or n); ``{word}`` as above."""

    def about(self, word: str) -> Risk:
        """This risk with ``{word}`` filled in (``q``, ``exit``...)."""
        return Risk(self.key, self.warning.format(word=word), self.question.format(word=word))


QUIT_RISK = Risk(
    "quit",
    "{word} raises BdbQuit in the program: it stops there, and a web request ends with an "
    "error (HTTP 500); only celery's rdb stops debugging instead and lets the task run. "
    "c lets the program go on; Ctrl-D or :detach leave it running.",
    "Send {word} anyway? [y/N] ",
)
"""``q``/``quit``/``exit``/``EOF`` (``--no-confirm-quit`` turns this question off)."""
INTERACT_RISK = Risk(
    "interact",
    "interact: before Python 3.13 on the debugged side there is no way back to pdb: exit() at "
    ">>> raises SystemExit, which ends the program. Python mode (F2 or :python) runs a "
    "multi-line block in the frame as one ! statement instead.",
    "Send interact anyway? [y/N] ",
)
EXIT_RISK = Risk(
    "exit()",
    "exit() at >>> ends the debugged program before Python 3.13 (SystemExit).",
    "Send it anyway? [y/N] ",
)
PYTHON_CALL_RISKS: dict[str, Risk] = {"exit": EXIT_RISK, "quit": EXIT_RISK}
"""At ``>>>`` (inside ``interact``), a line that is a call of one of these names."""


@dataclass(frozen=True)
class Command:
    """One pdb command: its canonical name, its aliases and what it does."""

    name: str
    aliases: tuple[str, ...]
    arg: ArgKind
    synopsis: str
    """Usage in pdb's own notation: ``unt(il) [lineno]``."""
    help: str
    effect: Effect = Effect.STAYS
    ends_session_on: frozenset[str] = frozenset()
    """Servers (names from ``SERVERS``) on which this command ends the session instead."""
    enters: PromptMode | None = None
    """The prompt that follows, when it is not the same kind as the one the command was typed at."""
    asks_confirmation: bool = False
    """Without an argument the debugger asks a yes/no question first (``clear``)."""
    ends_command_list: bool = False
    """Inside ``commands N`` this command also ends the list (pdb's ``commands_resuming``)."""
    risk: Risk | None = None
    """Sent at a pdb prompt it harms the program: the REPL asks first (:mod:`.risks`)."""
    repr_reply: bool = False
    """The reply is Python (a repr, or ``name = repr`` lines): the renderer colours it so."""
    hidden: bool = False
    """Not offered by completion (``EOF`` quits the debugger; nobody types it on purpose)."""

    @property
    def words(self) -> tuple[str, ...]:
        """The name followed by every alias."""
        return (self.name, *self.aliases)

    def effect_on(self, server: str | None) -> Effect:
        """The effect on a given server (``None``: unknown, assume plain pdb)."""
        if server is not None and server in self.ends_session_on:
            return Effect.ENDS
        return self.effect


def _cmd(
    words: str,
    arg: ArgKind,
    synopsis: str,
    help: str,
    *,
    effect: Effect = Effect.STAYS,
    ends_session_on: frozenset[str] = frozenset(),
    enters: PromptMode | None = None,
    asks_confirmation: bool = False,
    ends_command_list: bool = False,
    risk: Risk | None = None,
    repr_reply: bool = False,
    hidden: bool = False,
) -> Command:
    # "break b" reads like pdb's "b(reak)": the canonical name first, then the aliases.
    name, *aliases = words.split()
    return Command(
        name,
        tuple(aliases),
        arg,
        synopsis,
        help,
        effect=effect,
        ends_session_on=ends_session_on,
        enters=enters,
        asks_confirmation=asks_confirmation,
        ends_command_list=ends_command_list,
        risk=risk,
        repr_reply=repr_reply,
        hidden=hidden,
    )


# In the order of pdb's own help, so `:help`-style listings read like the manual.
COMMANDS: tuple[Command, ...] = (
    _cmd("help h ?", ArgKind.COMMAND_NAME, "h(elp) [command]",
         "List pdb's commands, or show the help of one ('help exec' explains '!')."),
    _cmd("where w bt", ArgKind.COUNT, "w(here) [count]",
         "Print the stack, newest frame last, an arrow at the current one (count: 3.14+)."),
    _cmd("down d", ArgKind.COUNT, "d(own) [count]",
         "Move the current frame count levels (default 1) down, to a newer frame."),
    _cmd("up u", ArgKind.COUNT, "u(p) [count]",
         "Move the current frame count levels (default 1) up, to an older frame."),
    _cmd("break b", ArgKind.LOCATION, "b(reak) [([filename:]lineno | function) [, condition]]",
         "Set a breakpoint at a line or a function, with an optional condition; alone, list them."),
    _cmd("tbreak", ArgKind.LOCATION, "tbreak [([filename:]lineno | function) [, condition]]",
         "Set a temporary breakpoint, deleted when first hit (same arguments as break)."),
    _cmd("clear cl", ArgKind.BREAKPOINTS_OR_LOCATION, "cl(ear) [filename:lineno | bpnumber ...]",
         "Delete breakpoints by number or at file:line; alone, delete all after asking.",
         asks_confirmation=True),
    _cmd("disable", ArgKind.BREAKPOINTS, "disable bpnumber [bpnumber ...]",
         "Disable breakpoints: they stay listed but no longer stop the program."),
    _cmd("enable", ArgKind.BREAKPOINTS, "enable bpnumber [bpnumber ...]",
         "Enable disabled breakpoints again."),
    _cmd("ignore", ArgKind.BREAKPOINT_COUNT, "ignore bpnumber [count]",
         "Let a breakpoint pass the next count times it is reached (no count: stop next time)."),
    _cmd("condition", ArgKind.BREAKPOINT_CONDITION, "condition bpnumber [condition]",
         "Make a breakpoint stop only when an expression is true; without one, always stop."),
    _cmd("commands", ArgKind.BREAKPOINT, "commands [bpnumber]",
         "Give commands to run when a breakpoint (default: the last set) is hit; finish with end.",
         enters=PromptMode.COMMANDS),
    _cmd("step s", ArgKind.NONE, "s(tep)",
         "Run the current line and stop as soon as possible, inside a called function too.",
         effect=Effect.RESUMES, ends_command_list=True),
    _cmd("next n", ArgKind.NONE, "n(ext)",
         "Run until the next line of the current function, or until it returns.",
         effect=Effect.RESUMES, ends_command_list=True),
    # pdb lists `until` among the commands that end a command list only from 3.14 on.
    _cmd("until unt", ArgKind.LINE, "unt(il) [lineno]",
         "Run until a line past the current one (or at least lineno), or until the frame returns.",
         effect=Effect.RESUMES),
    _cmd("jump j", ArgKind.LINE, "j(ump) lineno",
         "Make lineno the next line to run in the newest frame (to rerun or skip code).",
         ends_command_list=True),
    _cmd("return r", ArgKind.NONE, "r(eturn)",
         "Run until the current function returns.",
         effect=Effect.RESUMES, ends_command_list=True),
    _cmd("retval rv", ArgKind.NONE, "retval",
         "Print the value the current function just returned (after a --Return-- stop).",
         repr_reply=True),
    # Under set_trace() (every remote debugger) there is no main loop to catch pdb.Restart: it
    # propagates into the program, so the debugger is gone either way.
    _cmd("run restart", ArgKind.TEXT, "run [args ...]",
         "Restart the program (python -m pdb only); under set_trace() it raises pdb.Restart.",
         effect=Effect.ENDS),
    _cmd("continue c cont", ArgKind.NONE, "c(ont(inue))",
         "Run until a breakpoint is hit; on rpdb and celery this also ends the session.",
         effect=Effect.RESUMES, ends_session_on=frozenset({"rpdb", "celery"}),
         ends_command_list=True),
    _cmd("list l", ArgKind.LINE_RANGE, "l(ist) [first[, last] | .]",
         "List 11 source lines around the current line (again: the next 11), or first to last."),
    _cmd("longlist ll", ArgKind.NONE, "ll | longlist",
         "List the whole source of the current function or frame."),
    _cmd("args a", ArgKind.NONE, "a(rgs)",
         "Print the arguments of the current function with their values.", repr_reply=True),
    _cmd("p", ArgKind.EXPRESSION, "p expression", "Print the repr of an expression's value.",
         repr_reply=True),
    _cmd("pp", ArgKind.EXPRESSION, "pp expression",
         "Pretty-print an expression's value (pprint).", repr_reply=True),
    _cmd("whatis", ArgKind.EXPRESSION, "whatis expression",
         "Print the type of an expression's value."),
    _cmd("source", ArgKind.EXPRESSION, "source expression",
         "Show the source code of a function, class, method or module."),
    _cmd("display", ArgKind.EXPRESSION, "display [expression]",
         "Show an expression when its value changed at a stop in this frame; alone, list them."),
    _cmd("undisplay", ArgKind.EXPRESSION, "undisplay [expression]",
         "Stop displaying an expression in this frame; alone, stop all of them."),
    _cmd("interact", ArgKind.NONE, "interact",
         "Start a Python interpreter (>>>) holding the current frame's globals and locals.",
         enters=PromptMode.PYTHON, risk=INTERACT_RISK),
    _cmd("alias", ArgKind.TEXT, "alias [name [command]]",
         "Make name run a pdb command line (%1, %2, %* take arguments); alone, list aliases."),
    _cmd("unalias", ArgKind.TEXT, "unalias name", "Delete an alias."),
    _cmd("debug", ArgKind.STATEMENT, "debug code",
         "Step through code (a statement or expression) in a nested debugger, ((Pdb)) prompt.",
         enters=PromptMode.PDB),
    _cmd("quit q exit", ArgKind.NONE, "q(uit) | exit",
         "Quit the debugger: the program is aborted with BdbQuit (celery's rdb lets it run).",
         effect=Effect.ENDS, ends_command_list=True, risk=QUIT_RISK),
    # At "(com) " EOF ends the list only from 3.14 on; before, it is recorded as a command.
    _cmd("EOF", ArgKind.NONE, "EOF", "End of input: quits the debugger like quit.",
         effect=Effect.ENDS, risk=QUIT_RISK, hidden=True),
    _cmd("!", ArgKind.STATEMENT, "! statement",
         "Run a Python statement in the current frame (needed when it starts like a command)."),
    _cmd("exceptions", ArgKind.COUNT, "exceptions [number]",
         "List the chained exceptions being debugged, or switch to the numbered one (3.13+)."),
)  # fmt: skip

# Only understood at the "(com) " prompt of `commands N` (pdb's handle_command_def).
COMMAND_LIST_COMMANDS: tuple[Command, ...] = (
    _cmd("silent", ArgKind.NONE, "silent",
         "Do not print the usual location when this breakpoint stops the program."),
    _cmd("end", ArgKind.NONE, "end",
         "Finish the command list and go back to the (Pdb) prompt.", enters=PromptMode.PDB),
)  # fmt: skip

# pdb also has `help pdb`, but it starts Python's interactive help() reading the server's stdin: not
# something to offer.
HELP_TOPICS: tuple[str, ...] = ("exec",)
"""What ``help`` accepts besides command names (``help exec`` explains ``!``)."""

_BY_WORD: dict[str, Command] = {word: c for c in COMMANDS for word in c.words}
_BY_WORD_IN_LIST: dict[str, Command] = {
    **_BY_WORD,
    **{word: c for c in COMMAND_LIST_COMMANDS for word in c.words},
}


def find_command(word: str, *, command_list: bool = False) -> Command | None:
    """The command a word names (aliases resolve), or None.

    ``command_list`` also accepts ``silent`` and ``end``, the words of the ``(com) `` prompt.
    """
    return (_BY_WORD_IN_LIST if command_list else _BY_WORD).get(word)


IDENTCHARS: frozenset[str] = frozenset(string.ascii_letters + string.digits + "_")
"""``cmd.Cmd.identchars``: a command word is a run of these, so ``p(x)`` is ``p`` with ``(x)``."""


def command_word(line: str) -> str:
    """The command word at the start of ``line`` (no leading whitespace expected), as pdb reads it.

    ``?`` and ``!`` are words of their own; otherwise the run of ``IDENTCHARS``, possibly empty.
    """
    if line[:1] in ("?", "!"):
        return line[0]
    end = 0
    while end < len(line) and line[end] in IDENTCHARS:
        end += 1
    return line[:end]


def split_command(line: str) -> tuple[str, str]:
    """Split one pdb line into its command word and its argument, exactly as pdb does.

    Mirrors ``cmd.Cmd.parseline``: leading ``?`` means help, leading ``!`` a statement, otherwise
    the word is the run of letters, digits and underscores at the start. The word may name no
    command at all (pdb then runs the whole line as Python).
    """
    line = line.strip()
    word = command_word(line)
    return word, line[len(word) :].strip()


def split_commands(line: str) -> list[str]:
    """Split a line at pdb's ``;;`` separator, the way pdb queues the pieces.

    The split ignores quotes (pdb does too); a piece whose first word is ``alias`` is never split,
    because the alias body may hold ``;;`` on purpose.
    """
    pieces = []
    rest = line
    while True:
        words = rest.split()
        marker = rest.find(";;")
        if marker < 0 or (words and words[0] == "alias"):
            pieces.append(rest)
            return pieces
        pieces.append(rest[:marker].rstrip())
        rest = rest[marker + 2 :].lstrip()
