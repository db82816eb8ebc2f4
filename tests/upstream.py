"""A real HTTP server on 127.0.0.1 that serves recorded responses by path.

Tests point marketmon's ``base_url`` settings at it, so requests cross a real socket.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


@dataclass
class Route:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Upstream:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    port: int = 0
    # path prefix -> a function building the route when the request arrives (fresh times)
    dynamic: dict[str, Callable[[str], Route]] = field(default_factory=dict)
    # The clock of the Date header (marketmon corrects its own clock by it): real time if None.
    now: Callable[[], datetime] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, path: str, body: bytes, status: int = 200, **headers: str) -> None:
        content_type = headers.pop("content_type", "application/json")
        self.routes[path] = Route(body, status, headers, content_type)


def _handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            upstream.requests.append(self.path)
            route = upstream.routes.get(path)
            for prefix, build in upstream.dynamic.items():
                if route is None and path.startswith(prefix):
                    route = build(path)
            route = route or Route(b'{"message":"NotFound"}', 404)
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            for name, value in route.headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(route.body)

        def date_time_string(self, timestamp: float | None = None) -> str:
            if upstream.now is None:
                return super().date_time_string(timestamp)
            return format_datetime(upstream.now().replace(microsecond=0), usegmt=True)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve(upstream: Upstream) -> Iterator[Upstream]:
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", upstream.port), _handler(upstream))
    server.daemon_threads = True
    upstream.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield upstream
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
