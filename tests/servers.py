"""Real servers for tests, bound to 127.0.0.1 only: redis-server and moto's DynamoDB.

Each fixture starts its server once per session on a free loopback port and stops it
at the end. Nothing here (or in the generated projects they serve) contacts any other
address.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class RedisServer:
    """A running redis-server: its URL prefix (add a database number) and process."""

    port: int
    process: subprocess.Popen[bytes]

    def url(self, database: int = 0) -> str:
        """The redis:// URL of one of the server's 16 databases."""
        return f"redis://{LOOPBACK}:{self.port}/{database}"


@contextlib.contextmanager
def running_redis(folder: Path) -> Iterator[RedisServer]:
    """Start redis-server on a free loopback port (no persistence); stop it afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process)
        yield RedisServer(port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    """Wait until the server answers PING (raw RESP, so no client library is needed)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), 1) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return
        time.sleep(0.05)
    raise RuntimeError("redis-server did not answer within 10 s")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server for the whole session; skipped only when the binary is missing."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """moto's DynamoDB server on a free loopback port, as an endpoint URL."""
    from moto.dynamodb.responses import DynamoHandler
    from moto.server import ThreadedMotoServer

    # werkzeug logs every request; the generated tests make hundreds.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # moto takes no locks: two UpdateItems of one item can interleave, and a failing
    # TransactWriteItems restores a copy of tables that other requests are changing.
    # DynamoDB makes each request atomic, and the threaded tests rely on that, so this
    # server handles one DynamoDB request at a time.
    original = DynamoHandler.call_action
    lock = threading.Lock()

    def one_at_a_time(self: DynamoHandler) -> object:
        with lock:
            return original(self)

    DynamoHandler.call_action = one_at_a_time  # type: ignore[method-assign]
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        assert host == LOOPBACK, host
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        DynamoHandler.call_action = original  # type: ignore[method-assign]
