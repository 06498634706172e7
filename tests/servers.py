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
# Each generated project checked in test_scaffold_projects.py gets a database of its own,
# test_scaffold_lifetime.py and test_scaffold_redis.py one each after those.
DATABASES = 32


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
        """The redis:// URL of one of the server's DATABASES databases."""
        return f"redis://{LOOPBACK}:{self.port}/{database}"


@contextlib.contextmanager
def running_redis(folder: Path) -> Iterator[RedisServer]:
    """Start redis-server on a free loopback port (no persistence); stop it afterwards.

    A port found free can be taken before the server binds it (pytest-xdist starts one
    server per worker): the server then exits, or another answers on it. Either way the
    start is retried on another port.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
    for _attempt in range(5):
        port = free_port()
        process = subprocess.Popen(
            [
                *(binary, "--port", str(port), "--bind", LOOPBACK),
                *("--save", "", "--appendonly", "no", "--databases", str(DATABASES)),
            ],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if _wait_for(port, process):
                yield RedisServer(port, process)
                return
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    raise RuntimeError("redis-server found no free loopback port in 5 tries")


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> bool:
    """Wait until this process answers on ``port``; False if it exited or another did."""
    import redis

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        client = redis.Redis(LOOPBACK, port, socket_timeout=1, socket_connect_timeout=1)
        try:
            # INFO server names the process that answers: ours, or one that took the port.
            answering: int = client.info("server")["process_id"]
            return answering == process.pid
        except (redis.ConnectionError, redis.TimeoutError):
            time.sleep(0.05)
        finally:
            client.close()
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
