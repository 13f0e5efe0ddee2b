"""waitress, with the chunked-body parser bounded.

waitress 3.0.2 keeps an unfinished chunk-size line (and an unfinished trailer) as one bytes
object and, on every read, prepends it to the new data and searches the whole of it for CRLF:
a chunk-size line that never ends costs quadratic CPU (5 MB took 8.8 s of the event loop,
which every other connection shares). RFC 9112 chunk-size lines are a few hex digits plus
optional extensions, so a line longer than ``MAX_CONTROL_LINE`` is refused with 400 and the
connection closed; trailers are capped the same way. The front proxy should not pass chunked
bodies on at all (README, "Deployment").
"""

from __future__ import annotations

from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.receiver import ChunkedReceiver
from waitress.server import create_server
from waitress.utilities import BadRequest

MAX_CONTROL_LINE = 4096  # bytes of one chunk-size line with its extensions
MAX_TRAILER = 65536  # bytes of the trailer section


class BoundedChunkedReceiver(ChunkedReceiver):  # type: ignore[misc]
    """``ChunkedReceiver`` that refuses an overlong chunk-size line or trailer."""

    def received(self, s: bytes) -> int:
        consumed: int = super().received(s)
        if len(self.control_line) > MAX_CONTROL_LINE:
            self._refuse(f"chunk-size line longer than {MAX_CONTROL_LINE} bytes")
        elif len(self.trailer) > MAX_TRAILER:
            self._refuse(f"chunked trailer longer than {MAX_TRAILER} bytes")
        return consumed

    def _refuse(self, why: str) -> None:
        self.error = BadRequest(why)
        self.all_chunks_received = True
        self.completed = True
        # Free the buffered line now rather than with the connection.
        self.control_line = b""
        self.trailer = b""


class BoundedParser(HTTPRequestParser):  # type: ignore[misc]
    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        receiver: Any = getattr(self, "body_rcv", None)
        if type(receiver) is ChunkedReceiver:
            self.body_rcv = BoundedChunkedReceiver(receiver.buf)


class BoundedChannel(HTTPChannel):  # type: ignore[misc]
    parser_class = BoundedParser


def create_bounded_server(app: Any, **kw: Any) -> Any:
    """``waitress.create_server`` whose connections use ``BoundedParser``."""
    server = create_server(app, **kw)
    servers = [server, *getattr(server, "map", {}).values()]  # one, or a MultiSocketServer's
    for each in servers:
        if hasattr(each, "channel_class"):
            each.channel_class = BoundedChannel
    return server
