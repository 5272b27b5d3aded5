"""The vocabulary: pdb's commands and the client's own, as data.

Owns what a typed line means before it is sent: the command tables (``commands``), how pdb
splits a line, which lines harm the program and what the question says (``risks``), how a Python
block is sent, and the pure completion rule ``suggest`` (what kind of thing may come next). The
session, the lexer, the completer and the toolbar read these tables instead of keeping lists of
their own.

May import: the standard library and :mod:`rpdb_client.wire` (for the prompt kinds).
"""
