"""A real S3-compatible server (moto) on a free loopback port, started by the tests.

`s3_server` is a session fixture; a test module uses it by importing it
(``from s3_server import s3_server_fixture as s3_server_fixture``). The server speaks
S3 over HTTP with conditional writes (``If-Match``, ``If-None-Match``), which Icechunk
needs to publish safely.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from live_service import free_port

#: Any key pair: the session's server checks no credentials (see `refusing_s3_server`).
ACCESS_KEY_ID = "methanemap-test"
SECRET_ACCESS_KEY = "methanemap-test-secret"
REGION = "us-east-1"
#: Seconds a server process may take to listen.
START_TIMEOUT = 30.0


@dataclass(frozen=True)
class S3Server:
    """A running S3-compatible server at `endpoint` (``http://127.0.0.1:<port>``)."""

    endpoint: str

    def env(self) -> dict[str, str]:
        """The AWS variables that point a client (methanemap, boto3) at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_REGION": REGION,
        }

    def create_bucket(self, name: str) -> str:
        """Create the bucket `name`; returns it."""
        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
        client.create_bucket(Bucket=name)
        return name


@pytest.fixture(scope="session", name="s3_server")
def s3_server_fixture() -> Iterator[S3Server]:
    """moto's S3 server in a thread of the test process, on a free loopback port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()


@contextmanager
def refusing_s3_server(log: Path) -> Iterator[S3Server]:
    """An S3 server in a process of its own that checks every request's credentials
    against its IAM, which holds none: it refuses any key (``InvalidAccessKeyId``).

    A process of its own, because moto keeps that switch in a process-wide setting.
    """
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=out)
    try:
        _wait_until_listening(port, server, log)
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_until_listening(
    port: int, server: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the S3 server stopped: {log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the S3 server did not listen: {log.read_text()[-3000:]}")
