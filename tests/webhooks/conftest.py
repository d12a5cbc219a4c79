"""A real receiver: an HTTP server on 127.0.0.1 in a thread, recording every request. Each path
behaves as the test sets it: a list of status codes answered in turn (the last one repeats),
"redirect" (302 elsewhere) or "hang" (answers nothing until the test ends)."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import make_key


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    url: str
    behaviour: dict = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def at(self, path: str, *behaviour) -> str:
        """Sets how `path` answers; returns its URL."""
        self.behaviour[path] = list(behaviour) or [200]
        return self.url + path

    def of(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                plan = state.behaviour.get(self.path, [404])
                answer = plan.pop(0) if len(plan) > 1 else plan[0]
            if answer == "hang":
                state.released.wait(30)
                return
            if answer == "redirect":
                self.send_response(302)
                self.send_header("Location", state.url + "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            payload = b"ok" if answer < 300 else b"server trouble"
            self.send_response(answer)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def writer_key(tenant):
    return make_key(tenant=tenant, role="writer", username="wendy")
