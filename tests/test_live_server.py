"""The browser tests' server closes every response, even when the browser resets the connection
as werkzeug finishes (CI failed on an unclosed nhsuk-frontend.min.js that way)."""

import socket
import struct
import time

from tests.live_server import serving

REQUESTS = 60


class Body:
    """A response small enough to be sent whole before the client resets."""

    def __init__(self, closes: list):
        self._closes = closes

    def __iter__(self):
        yield b"x" * 40_000

    def close(self) -> None:
        self._closes.append(1)


def test_every_response_is_closed_once_when_clients_reset_the_connection():
    closes: list = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body(closes)

    with serving(app) as address:
        port = int(address.rsplit(":", 1)[1])
        for i in range(REQUESTS):
            client = socket.create_connection(("127.0.0.1", port))
            client.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            # Resets at moments from at once to a few milliseconds on: some land while werkzeug
            # drains the socket after the body, which is where its own close was skipped.
            time.sleep(i * 0.0005)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
        deadline = time.monotonic() + 5
        while len(closes) < REQUESTS and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(closes) == REQUESTS
