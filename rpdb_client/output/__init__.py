"""Output: how the debugger's text reaches the terminal and the transcript.

Owns making received text safe for a terminal (``sanitize``), colouring it (``highlight``, with
pygments) and the ``:log`` transcript file (``transcript``). Used by both front ends.

May import: the standard library, pygments, :mod:`rpdb_client.errors` and
:mod:`rpdb_client.vocabulary` (what a typed command is, for its colours).
"""
