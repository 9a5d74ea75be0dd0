"""A local stand-in of the Zaken API: a threaded HTTP server on 127.0.0.1 that answers
``GET {api_root}zaakcontactmomenten?zaak=...`` from a list the test controls (``koppel``, or a
``POST zaakcontactmomenten`` as a client would send Open Zaak), and records every GET (path,
query, Authorization header). ``status``, ``body`` and ``delay`` make it answer otherwise."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class ZakenStub:
    def __init__(self):
        self.zaakcontactmomenten: list[dict] = []
        self.requests: list[dict] = []
        self.status = 200
        self.body: bytes | None = None  # answer this instead of the list
        self.delay = 0.0  # seconds before answering
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with stub._lock:
                    stub.requests.append(
                        {
                            "path": parts.path,
                            "query": query,
                            "authorization": self.headers.get("Authorization", ""),
                        }
                    )
                    items = [
                        item
                        for item in stub.zaakcontactmomenten
                        if "zaak" not in query or item["zaak"] == query["zaak"]
                    ]
                    status, body = stub.status, stub.body
                if stub.delay:
                    import time

                    time.sleep(stub.delay)
                if not parts.path.endswith("/zaakcontactmomenten"):
                    status, body = 404, b'{"detail": "niet gevonden"}'
                payload = body if body is not None else json.dumps(items).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                """``POST zaakcontactmomenten``: what a client asks Open Zaak (recorded)."""
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.koppel(body["zaak"], body["contactmoment"])
                payload = json.dumps(stub.zaakcontactmomenten[-1]).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_root = f"http://127.0.0.1:{self.server.server_address[1]}/zaken/api/v1/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def zaak(self, key: str = "9b1e2c3d-0000-4000-8000-000000000001") -> str:
        return f"{self.api_root}zaken/{key}"

    def koppel(self, zaak: str, contactmoment_url: str) -> None:
        """What Open Zaak stores before it calls objectcontactmomenten."""
        with self._lock:
            self.zaakcontactmomenten.append(
                {
                    "url": f"{self.api_root}zaakcontactmomenten/{len(self.zaakcontactmomenten)}",
                    "zaak": zaak,
                    "contactmoment": contactmoment_url,
                }
            )

    def ontkoppel(self, zaak: str) -> None:
        with self._lock:
            self.zaakcontactmomenten = [
                item for item in self.zaakcontactmomenten if item["zaak"] != zaak
            ]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
