"""A local HTTP server for a test: ``http.server`` on 127.0.0.1 and a free port, in a thread."""

import threading
from contextlib import contextmanager
from http.server import ThreadingHTTPServer


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
