"""Start the real web server (gunicorn with gunicorn.conf.py) in a child process for tests that need one."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PRODUCTION_ENV = {
    "APP_ENV": "production",
    "DJANGO_SECRET_KEY": "k3y-for-a-throwaway-test-server-" + "x7Qp" * 10,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "EMAIL_HOST": "127.0.0.1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(**env):
    """Yield the port of a one-worker gunicorn started from the project root with ``env`` on top of ours."""
    port = free_port()
    full_env = {**os.environ, **{k: str(v) for k, v in env.items()}}
    full_env.update(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "apcommission.wsgi:application"],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {process.stdout.read().decode()[-3000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start listening in 30 seconds")
            time.sleep(0.2)
        # The port opens before the worker has loaded the app: wait for a first answer (of any status).
        while not raw_request(port, "GET /healthz HTTP/1.1\nHost: 127.0.0.1\nConnection: close", timeout=30):
            if time.monotonic() > deadline + 30:
                raise RuntimeError("gunicorn did not answer in 60 seconds")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def raw_request(port: int, head: str, body: bytes = b"", timeout: float = 30) -> bytes:
    """Send ``head`` (request line and headers, without the blank line) and ``body``; the response bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n\r\n" + body)
        chunks = []
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def header_of(response: bytes, name: str) -> str | None:
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None
