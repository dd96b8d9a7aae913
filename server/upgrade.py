"""Serve an HTTP/2 cleartext upgrade offer (`Upgrade: h2c`) as the plain HTTP/1.1 request it is.

Java's HttpClient — so Apache Jena, RDF4J and most JVM clients — offers h2c on every request
to an http:// URL (`Connection: Upgrade, HTTP2-Settings`). RFC 9110 §7.8 lets a server ignore
the offer, but uvicorn's httptools parser stops at the end of such a request's headers: the app
got an empty body (an update answered 204 having done nothing, a Graph Store PUT made an empty
graph) and the body's bytes then failed as the next request (400). h11 is unaffected but slower.

`Protocol` keeps httptools and drops the `upgrade` token from `Connection` in each request's
header block before the parser sees it, unless the offer is a WebSocket one. To find each header
block of pipelined requests it follows the requests' framing: a head, then `Content-Length`
bytes of body. A chunked body is handed to the parser as it comes, and the next head is looked
for once the parser has finished the message.
"""

from __future__ import annotations

import re

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_END_OF_HEAD = b"\r\n\r\n"
# The start of a request line (a method, then a space), or a prefix of one.
_REQUEST_START = re.compile(rb"[A-Z]{1,20}( |$)")
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n)", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:", re.IGNORECASE)
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


def body_length(head: bytes) -> int | None:
    """The body length a header block announces (0 without one); None when only the parser can tell."""
    if _CHUNKED.search(head):
        return None
    lengths = _CONTENT_LENGTH.findall(head)
    if len(lengths) > 1:
        return None  # the parser refuses conflicting lengths itself
    return int(lengths[0]) if lengths else 0


class Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, reading requests that offer h2c as HTTP/1.1 (see module doc)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._pending = b""  # bytes of a head not yet complete
        self._body_left = 0  # body bytes of the current request still to come
        self._parser_frames = False  # a chunked or unreadable message: the parser alone follows it

    def data_received(self, data: bytes) -> None:
        if self._parser_frames:
            super().data_received(data)
            return
        data = self._pending + data
        self._pending = b""
        while data and not self._parser_frames and not self.transport.is_closing():
            if self._body_left:
                body, data = data[: self._body_left], data[self._body_left :]
                self._body_left -= len(body)
                super().data_received(body)
                continue
            end = data.find(_END_OF_HEAD)
            if end < 0 and len(data) <= _MAX_HEAD and _REQUEST_START.match(data[:21]):
                self._pending = data  # wait for the rest of the head
                self._unset_keepalive_if_required()  # bytes arrived: the idle timer must not close us
                return
            if end < 0 or not _REQUEST_START.match(data[:21]):
                self._parser_frames = True  # not a head we can read: the parser decides
                super().data_received(data)
                return
            head, data = data[: end + len(_END_OF_HEAD)], data[end + len(_END_OF_HEAD) :]
            length = body_length(head)
            if length is None:
                self._parser_frames = True
                super().data_received(ignore_upgrade_offer(head) + data)
                return
            self._body_left = length
            body, data = data[:length], data[length:]
            self._body_left -= len(body)
            super().data_received(ignore_upgrade_offer(head) + body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self._parser_frames:
            # The message the parser framed is done; framing by heads and lengths resumes with
            # the next bytes (pipelined bytes already handed over stay with the parser).
            self._parser_frames = False
