"""``waiting again ...`` is said once per wait (issue 13 item 15).

rpdb's listener, while it closes after a session, can accept a reconnecting client and reset it
before a byte (docs/protocol.md section 5): "not yet", and the client waits on. That race cannot
be produced on demand with a real rpdb, so a listener of the test's own plays the closing one
(accepts, closes, says nothing); then a real rpdb program stops on the same port.
"""

from __future__ import annotations

import socket
from pathlib import Path

from debuggee import Debuggee, free_port, start_client, wait_until


def only_time_wait_on(port: int) -> bool:
    """No socket on ``port`` but in TIME_WAIT (which rpdb's SO_REUSEADDR binds over)."""
    with open("/proc/net/tcp") as table:
        next(table)
        states = [
            fields[3]
            for fields in (line.split() for line in table)
            if fields[1].endswith(f":{port:04X}")
        ]
    return all(state == "06" for state in states)


def test_a_listener_that_resets_the_client_is_no_second_wait(tmp_path: Path) -> None:
    port = free_port()
    client = None
    program = None
    with socket.socket() as closing:
        # As rpdb's: what is left in TIME_WAIT then does not keep the next rpdb from binding.
        closing.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        closing.bind(("127.0.0.1", port))
        closing.listen(1)
        client = start_client("--port", str(port), "--wait", "--count", "1", "-c", "c")
        try:
            closing.settimeout(15)
            accepted, _ = closing.accept()
            closing.close()
            accepted.close()  # no byte: the end of input of rpdb's closing listener
            # rpdb binds the port next: once the client has closed its end too.
            wait_until(lambda: only_time_wait_on(port), 10, "the connection to be closed")
            program = Debuggee("rpdb", "simple", tmp_path, port=port)
            record = program.finish()
            client.wait(timeout=15)
            stderr = client.stderr.read() if client.stderr else ""
        finally:
            client.kill()
            if program is not None:
                program.stop()
    assert record["error"] is None and record["reached_end"], record
    assert client.returncode == 0, stderr
    assert stderr.count("waiting") == 1, stderr
