"""The local server (`make run`) under as many concurrent clients as the bench's load run uses:
every client gets its answer, none a reset or dropped connection, none a 5xx."""

from __future__ import annotations

import http.client
import json
import select
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import free_port

CLIENTS = 32
ROUNDS = 3
# Only a cap on waiting: a connection the kernel queues completes at once; one it drops does not
# complete at all until the server accepts (a SYN dropped on a full queue is retried after 1 s).
HANDSHAKE_WAIT_SECONDS = 0.8


@pytest.fixture
def server(runtime):
    """The app's local server, listening but not yet serving (the test says when)."""
    from app import app
    from local.server import build_server

    port = free_port()
    built = build_server(app, "127.0.0.1", port)
    built.port, built.serving = port, False
    yield built
    if built.serving:  # shutdown() waits for a serve_forever loop: none runs if the test never served
        built.server.shutdown()
    built.server.server_close()


def _serve(server) -> int:
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    server.serving = True
    return server.port


def _ask_all_at_once(port: int, path: str, headers: dict | None = None) -> list[tuple]:
    """`CLIENTS` clients, each on a new connection, released together: (status, body) or the error."""
    start = threading.Barrier(CLIENTS)

    def one(_: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            start.wait()
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        except OSError as error:  # a reset or refused connection is what this test is about
            return None, repr(error)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return list(pool.map(one, range(CLIENTS)))


def test_32_clients_arriving_while_the_server_is_busy_are_all_queued_and_answered(server):
    # GIVEN a server whose accept loop is busy elsewhere (not started yet)
    sockets = [socket.socket() for _ in range(CLIENTS)]
    try:
        # WHEN 32 clients connect at once
        for client in sockets:
            client.setblocking(False)
            client.connect_ex(("127.0.0.1", server.port))
        pending, deadline = set(sockets), time.monotonic() + HANDSHAKE_WAIT_SECONDS
        while pending and time.monotonic() < deadline:
            _, writable, _ = select.select([], list(pending), [], 0.05)
            pending -= {s for s in writable if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0}

        # THEN the kernel holds every one of them until the server accepts...
        assert not pending, f"{len(pending)} of {CLIENTS} connections were dropped while the server was busy"

        # ...and each gets its answer once it does
        _serve(server)
        for client in sockets:
            client.setblocking(True)
            client.settimeout(30)
            client.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        for client in sockets:
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
            assert answer.endswith(b'{"status": "ok"}')
    finally:
        for client in sockets:
            client.close()


def test_every_one_of_32_simultaneous_clients_gets_the_health_answer(server):
    port = _serve(server)
    for _ in range(ROUNDS):
        answers = _ask_all_at_once(port, "/health")

        failed = [answer for answer in answers if answer[0] != 200]
        assert not failed, f"{len(failed)} of {CLIENTS} clients failed, e.g. {failed[0]}"
        assert all(json.loads(body) == {"status": "ok"} for _, body in answers)


def test_every_one_of_32_simultaneous_clients_gets_the_list_of_workers(server, auth):
    from tests.visit_helpers import CASEY, add_worker

    worker_id = add_worker("Casey Evans", CASEY)
    answers = _ask_all_at_once(_serve(server), "/v1/workers", headers=auth("hr"))

    failed = [answer for answer in answers if answer[0] != 200]
    assert not failed, f"{len(failed)} of {CLIENTS} clients failed, e.g. {failed[0]}"
    bodies = {body for _, body in answers}
    assert len(bodies) == 1, "simultaneous clients were given different answers to the same question"
    assert worker_id in {worker["worker_id"] for worker in json.loads(bodies.pop())["workers"]}
