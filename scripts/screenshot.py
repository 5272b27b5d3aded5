"""Render a real rpdb-connect session to SVG for the README: ``python scripts/screenshot.py``.

Runs ``rpdb-connect --demo`` in a pseudo-terminal (pexpect), types a few commands, renders the
terminal with pyte and writes ``docs/session.svg``: what a person sees, colours included, from a
real run rather than a drawing. The one edit: the checkout's location on this machine is shown
as ``~/rpdb-connect``, so the picture does not depend on where it was made.
"""

from __future__ import annotations

import html
import os
import sys
import time
from pathlib import Path

import pexpect
import pyte

ROWS, COLUMNS = 24, 100
OUT = Path(__file__).resolve().parent.parent / "docs" / "session.svg"
STEPS = ["p request['user']", "ll", "discount = 0.5", "p round(total * (1 - discount), 2)"]
CELL_WIDTH, CELL_HEIGHT = 8.4, 17
PALETTE = {
    "default": "#d8d8d8", "black": "#1e1e1e", "red": "#f05a5a", "green": "#7ecf6a",
    "brown": "#e6c15a", "yellow": "#e6c15a", "blue": "#6aa6f0", "magenta": "#c98ff0",
    "cyan": "#5ad2d2", "white": "#f0f0f0", "brightblack": "#7a7a7a",
}  # fmt: skip
BACKGROUND = "#1e1e1e"


def colour(name: str, default: str) -> str:
    if name == "default":
        return default
    if len(name) == 6 and all(c in "0123456789abcdefABCDEF" for c in name):
        return f"#{name}"
    return PALETTE.get(name, default)


def settle(child: pexpect.spawn[bytes], stream: pyte.ByteStream, quiet: float = 0.4) -> None:
    """Feed the screen until the program has been quiet for ``quiet`` seconds."""
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            stream.feed(child.read_nonblocking(65536, timeout=quiet))
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            return


CHECKOUT = str(Path(__file__).resolve().parent.parent)


def render(screen: pyte.Screen) -> str:
    width, height = COLUMNS * CELL_WIDTH + 20, ROWS * CELL_HEIGHT + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
        f'viewBox="0 0 {width:.0f} {height}" font-family="DejaVu Sans Mono, Menlo, monospace" '
        'font-size="14">',
        f'<rect width="100%" height="100%" rx="6" fill="{BACKGROUND}"/>',
    ]
    for row in range(ROWS):
        line = _relabelled([screen.buffer[row][column] for column in range(COLUMNS)])
        column = 0
        while column < COLUMNS:
            char = line[column]
            end = column + 1
            while end < COLUMNS and _style(line[end]) == _style(char):
                end += 1
            text = "".join(line[c].data for c in range(column, end))
            x, y = 10 + column * CELL_WIDTH, 10 + (row + 1) * CELL_HEIGHT - 4
            fg = colour(char.fg, PALETTE["default"])
            bg = colour(char.bg, BACKGROUND)
            if char.reverse:
                fg, bg = bg if bg != BACKGROUND else PALETTE["black"], fg
            if bg != BACKGROUND:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y - CELL_HEIGHT + 4:.1f}" width="'
                    f'{(end - column) * CELL_WIDTH:.1f}" height="{CELL_HEIGHT}" fill="{bg}"/>'
                )
            if text.strip():
                weight = ' font-weight="bold"' if char.bold else ""
                parts.append(
                    f'<text x="{x:.1f}" y="{y}" fill="{fg}"{weight} xml:space="preserve">'
                    f"{html.escape(text)}</text>"
                )
            column = end
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _relabelled(cells: list[pyte.screens.Char]) -> list[pyte.screens.Char]:
    """The row with the checkout's location shown as ~/rpdb-connect, later cells moved left."""
    text = "".join(cell.data for cell in cells)
    start = text.find(CHECKOUT)
    if start < 0:
        return cells
    label = [cells[start]._replace(data=char) for char in "~/rpdb-connect"]
    rest = cells[start + len(CHECKOUT) :]
    blank = cells[-1]._replace(data=" ")
    moved = cells[:start] + label + rest
    return moved + [blank] * (len(cells) - len(moved))


def _style(char: pyte.screens.Char) -> tuple[object, ...]:
    return (char.fg, char.bg, char.bold, char.reverse)


def main() -> None:
    screen = pyte.Screen(COLUMNS, ROWS)
    stream = pyte.ByteStream(screen)
    env = {**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": ""}
    child: pexpect.spawn[bytes] = pexpect.spawn(
        sys.executable,
        ["-m", "rpdb_client", "--demo", "--no-history", "--color", "always"],
        env=env,
        dimensions=(ROWS, COLUMNS),
        timeout=20,
    )
    try:
        settle(child, stream, 1.0)
        for step in STEPS:
            child.send(step.encode() + b"\r")
            settle(child, stream)
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(render(screen))
        child.send(b"c\r")
        settle(child, stream)
    finally:
        child.close(force=True)
    print(f"wrote {OUT.name}")


if __name__ == "__main__":
    main()
