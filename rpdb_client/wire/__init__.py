"""The wire: bytes from a debugger become events, and typed lines become bytes.

Owns the sans-IO parser of pdb's line protocol (``parser``), the socket connection
(``connection``: connect, read, send one text line, close without an RST) and what may be sent
(``asciify`` for servers that decode ASCII). See docs/protocol.md sections 2 and 3.

May import: the standard library and :mod:`rpdb_client.errors`. Nothing here prints or reads
the terminal.
"""
