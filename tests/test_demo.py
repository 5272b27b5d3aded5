"""``rpdb-connect --demo``: the bundled program is debugged, and leaving ends it cleanly."""

from __future__ import annotations

from debuggee import run_client


def test_demo_values_set_through_the_debugger_take_effect() -> None:
    result = run_client("--demo", stdin="p request['user']\ndiscount = 0.5\nc\n")
    assert result.returncode == 0, result.stderr
    assert "(Pdb) p request['user']\n{'name': 'ada', 'vip': True}\n" in result.stdout
    assert "Demo: a request handler is stopped in pdb." in result.stderr
    assert "answered {'user': 'ada', 'total': 6.0}" in result.stderr


def test_demo_left_by_end_of_input_finishes_normally() -> None:
    result = run_client("--demo", stdin="")
    assert result.returncode == 0, result.stderr
    assert "detached: the program continues" in result.stderr
    assert "the demo program finished normally and answered {'user': 'ada', 'total': 10.8}" in (
        result.stderr
    )
