"""Serve an HTTP/2 cleartext upgrade offer (`Upgrade: h2c`) as the plain HTTP/1.1 request it is.

Java's HttpClient — so Apache Jena, RDF4J and most JVM clients — offers h2c on every request
to an http:// URL (`Connection: Upgrade, HTTP2-Settings`). RFC 9110 §7.8 lets a server ignore
the offer, but uvicorn's httptools parser stops at the end of such a request's headers: the app
got an empty body (an update answered 204 having done nothing, a Graph Store PUT made an empty
graph) and the body's bytes then failed as the next request (400). h11 is unaffected but slower.

`Protocol` keeps httptools and, before the parser sees a request's header block, drops the
`upgrade` token from `Connection` when the offer is not a WebSocket one, so the parser reads the
body as usual. WebSocket upgrades pass through unchanged.
"""

from __future__ import annotations

import re

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_END_OF_HEAD = b"\r\n\r\n"
# The start of a request line (a method, then a space), or a prefix of one. Bytes that do not
# match continue a head the parser already holds (pipelining): they go to it unbuffered.
_REQUEST_START = re.compile(rb"[A-Z]{1,20}( |$)")
# Past this much buffered head the bytes go to the parser as they are (it then enforces its limits).
_MAX_HEAD = 64 * 1024


def ignore_upgrade_offer(head: bytes) -> bytes:
    """A request's header block without the `upgrade` Connection token, unless it asks for WebSocket."""
    lines = head.split(b"\r\n")
    offers = [line.partition(b":")[2].strip().lower() for line in lines[1:] if line[:8].lower() == b"upgrade:"]
    if not offers or any(b"websocket" in offer for offer in offers):
        return head
    kept: list[bytes] = []
    for line in lines:
        if line[:11].lower() == b"connection:":
            tokens = [t.strip() for t in line[11:].split(b",") if t.strip() and t.strip().lower() != b"upgrade"]
            if not tokens:
                continue
            line = b"Connection: " + b", ".join(tokens)
        kept.append(line)
    return b"\r\n".join(kept)


class Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, reading requests that offer h2c as HTTP/1.1 (see module doc)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._head = b""
        self._in_head = True

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            data = self._head + data
            end = data.find(_END_OF_HEAD)
            if not _REQUEST_START.match(data[:21]):
                end = -1
            elif end < 0 and len(data) <= _MAX_HEAD:
                self._head = data
                self._unset_keepalive_if_required()  # bytes arrived: the idle timer must not close us
                return
            self._head, self._in_head = b"", False
            if end >= 0:
                data = ignore_upgrade_offer(data[: end + len(_END_OF_HEAD)]) + data[end + len(_END_OF_HEAD) :]
        super().data_received(data)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True  # the next bytes start the next request's head
