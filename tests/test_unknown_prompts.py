"""A prompt the client does not know must not wedge it (issue 13 item 2).

A real pdb on a socket with a prompt of its own (``TARGET_PROMPT``): the client cannot tell it
from output, so the lines wait; after a quiet spell it says so and names ``--prompt-regex``, and
Ctrl-C twice still closes at once. With ``--prompt-regex`` the same session works.
"""

from __future__ import annotations

import signal
from typing import Callable

from debuggee import Debuggee, run_client, start_client, wait_until

Start = Callable[..., Debuggee]
WEIRD = {"TARGET_PROMPT": "{weird} "}


def test_an_unknown_prompt_is_named_and_ctrl_c_twice_still_leaves(debuggee: Start) -> None:
    program = debuggee("pdb_prompt", "simple", env=WEIRD)
    client = start_client("--port", str(program.port))
    assert client.stdin is not None and client.stderr is not None
    stderr = client.stderr
    client.stdin.write("x = 5\n")
    client.stdin.flush()
    said: list[str] = []

    def says(words: str) -> Callable[[], bool]:
        def read_on() -> bool:
            said.append(stderr.readline())
            return words in said[-1]

        return read_on

    try:
        wait_until(says("--prompt-regex"), 10, "the unknown prompt to be named")
        assert "'{weird}'" in said[-1] and "the lines typed wait for a prompt" in said[-1]
        client.send_signal(signal.SIGINT)
        wait_until(says("press Ctrl-C again"), 10, "the detach to say it waits")
        client.send_signal(signal.SIGINT)
        client.wait(5)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait(5)
    record = program.finish()
    assert record["values"] == {}  # x = 5 was never sent: the client could not see a prompt


def test_the_same_prompt_with_prompt_regex_works(debuggee: Start) -> None:
    program = debuggee("pdb_prompt", "simple", env=WEIRD)
    result = run_client(
        "--port", str(program.port), "--prompt-regex", r"\{weird\} ", stdin="x = 5\n"
    )
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert record["error"] is None and record["values"]["x"] == 5, record
