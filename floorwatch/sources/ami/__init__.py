"""The Asterisk Manager Interface: the wire protocol, its events as canonical events, and
the client that follows a PBX live."""
