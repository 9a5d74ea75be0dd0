"""A local HTTP server for a test: ``http.server`` on 127.0.0.1 and a free port, in a thread,
with a quiet handler base and the Service that covers the server's (internal) address."""

import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def lokale_server(handler):
    """Serve ``handler`` until the block ends. The server records nothing itself: it has an
    empty ``requests`` list for the handler and its address as ``base``."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.requests = []
    httpd.base = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


class StilleHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 without log lines, with the answers the tests' stand-ins give."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet
        pass

    def antwoord(self, status: int, body: bytes, content_type: str = "application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def druppel(self, content_type: str = "application/json"):
        """A 200 that announces 100 bytes and sends one every 0.3 s: 30 seconds unless the
        client's deadline cuts it off."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(0.3)


def dekkende_service(server, pad: str = "/", **velden):
    """A configured Service whose ``api_root`` (``server.base`` + ``pad``) covers the server's
    internal address, as for an in-cluster service; ``velden``: label, slug, auth..."""
    from zgw_consumers.constants import APITypes, AuthTypes
    from zgw_consumers.models import Service

    velden = {"api_type": APITypes.orc, "auth_type": AuthTypes.no_auth, **velden}
    return Service.objects.create(api_root=f"{server.base}{pad}", **velden)
