"""A real ``redis-server`` on a free loopback port, for the share's tests and benchmark.

No mocks: the share's properties (NX leases, expiry, fenced Lua scripts, pub/sub) are Redis's
behaviour, so the tests run the real server. Where none can be started (not installed, not
executable), :func:`redis_or_skip` skips the test with the reason.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server process; :meth:`stop` and :meth:`start` keep the same port."""

    def __init__(self, binary: str, *, password: str | None = None, tls: bool = False) -> None:
        self.binary = binary
        self.password = password
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="marketmon-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.tls = tls
        if tls:
            self._make_certificate()

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        if self.tls:  # the client trusts only this server's self-signed certificate
            return f"rediss://{auth}127.0.0.1:{self.port}/0?ssl_ca_certs={self.dir / 'cert.pem'}"
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def _make_certificate(self) -> None:
        openssl = shutil.which("openssl")
        if openssl is None:
            raise RuntimeError("openssl is not installed (needed for the TLS test)")
        subprocess.run(
            [
                openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-keyout", str(self.dir / "key.pem"), "-out", str(self.dir / "cert.pem"),
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as raw:
            sock: socket.socket = raw
            if self.tls:
                context = ssl.create_default_context(cafile=str(self.dir / "cert.pem"))
                sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
            sock.sendall(b"PING\r\n")
            return bool(sock.recv(64))

    def start(self, timeout: float = 10.0) -> None:
        port = (
            ["--port", "0", "--tls-port", str(self.port)]
            if self.tls
            else ["--port", str(self.port)]
        )
        args = [
            self.binary,
            *port,
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.dir),
            "--protected-mode", "no",
        ]  # fmt: skip
        if self.password:
            args += ["--requirepass", self.password]
        if self.tls:
            args += [
                "--tls-cert-file", str(self.dir / "cert.pem"),
                "--tls-key-file", str(self.dir / "key.pem"),
                "--tls-ca-cert-file", str(self.dir / "cert.pem"),
                "--tls-auth-clients", "no",
            ]  # fmt: skip
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with status {self.proc.returncode}")
            with contextlib.suppress(OSError):
                if self._answers():
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer in time")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)  # a crash, not a clean shutdown
            proc.wait(5)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def redis_server(password: str | None = None, *, tls: bool = False) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(binary, password=password, tls=tls)
    try:
        server.start()
        yield server
    finally:
        server.close()


@contextlib.contextmanager
def redis_or_skip(password: str | None = None, *, tls: bool = False) -> Iterator[RedisServer]:
    try:
        cm = redis_server(password, tls=tls)
        server = cm.__enter__()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no redis-server could be started: {exc}")
    try:
        yield server
    finally:
        cm.__exit__(None, None, None)
