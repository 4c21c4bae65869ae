"""A webhook receiver on localhost for the notification tests: a plain `http.server` in a thread that keeps
every message it was posted and answers from a script (status, body, headers, or holding the request)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET_PATH = "/services/T0PAYDESK/B0NOTIFY/s3cr3tW3bh00kP4th"


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: str = "ok"
    headers: tuple[tuple[str, str], ...] = ()
    hold: bool = False  # keep the request unanswered until the receiver closes


@dataclass
class Receiver:
    url: str
    script: list[Answer] = field(default_factory=list)  # answers in order; then 200 "ok"
    messages: list[dict[str, Any]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self, message: dict[str, Any]) -> Answer:
        with self.lock:
            self.messages.append(message)
            return self.script.pop(0) if self.script else Answer()


@contextmanager
def serve_receiver(*script: Answer) -> Iterator[Receiver]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            answer = receiver.next_answer(json.loads(self.rfile.read(length)))
            if answer.hold:
                receiver.released.wait(30)
                return
            body = answer.body.encode()
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}{SECRET_PATH}", list(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()
        thread.join()


def refusing_url() -> str:
    """A URL on localhost where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{SECRET_PATH}"
