"""The browser tests' server: werkzeug's, in a thread, with one fix.

werkzeug's development server closes a response only after draining the socket, and that drain
raises when the browser has just reset the connection (Chromium resets one it stops reading, for
example on navigating away while a script is still arriving). The response is then never closed:
a static file stays open until the collector finds it, and its ResourceWarning fails whichever
test happens to be running then. Here every response is closed once, whatever the socket did.
"""

import threading
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server

_RESPONSE = "tests.live_server.response"


class _ClosedOnce:
    def __init__(self, body):
        self._body = body
        self._closed = False

    def __iter__(self):
        return iter(self._body)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if hasattr(self._body, "close"):
                self._body.close()


def _keeping_the_response(app):
    def wsgi(environ, start_response):
        environ[_RESPONSE] = response = _ClosedOnce(app(environ, start_response))
        return response

    return wsgi


class _ClosingRequestHandler(WSGIRequestHandler):
    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            response = getattr(self, "environ", {}).pop(_RESPONSE, None)
            if response is not None:
                response.close()


@contextmanager
def serving(app):
    """Serve the WSGI app on a free loopback port while the block runs; yields its address."""
    server = make_server(
        "127.0.0.1",
        0,
        _keeping_the_response(app),
        threaded=True,
        request_handler=_ClosingRequestHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
