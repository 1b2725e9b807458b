"""The simulated phone's HTTP: a request whose kept-alive connection the server
closed before answering is sent again, once, on a new connection; one the
server took and did not answer in time is not sent again."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from telephony.simulator.errors import Unreachable
from telephony.simulator.transport import HttpTransport

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"


def read_request(connection: socket.socket) -> bytes | None:
    """One request, headers and body; None when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        body += connection.recv(4096)
    return head


@contextmanager
def server(serve: Callable[[int, socket.socket, list[bytes]], None]) -> Iterator[tuple[str, list[bytes]]]:
    """A one-thread HTTP server: `serve(number, connection, received)` handles each connection in turn."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        number = 0
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(5)
            with connection:
                serve(number, connection, received)
            number += 1

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def answer(connection: socket.socket, text: bytes) -> None:
    connection.sendall(OK % (len(text), text))


def test_a_request_on_a_connection_closed_before_any_answer_is_sent_once_more():
    def serve(number, connection, received):
        received.append(read_request(connection))
        answer(connection, b"answer %d" % len(received))
        if number == 0:
            received.append(read_request(connection))
            # As gunicorn closing an idle connection as the request arrives: no answer at all.
            connection.shutdown(socket.SHUT_RDWR)

    with server(serve) as (url, received):
        transport = HttpTransport(timeout=5)
        first = transport.send("POST", url + "/telephony/voice/incoming", form={"CallSid": "CA1"}, headers={})
        second = transport.send("POST", url + "/telephony/voice/wait", form={"CallSid": "CA1"}, headers={})
        transport.session.close()

    assert (first.status, first.text) == (200, "answer 1")
    assert (second.status, second.text) == (200, "answer 3")
    assert [request.split(b" ")[1] for request in received] == [
        b"/telephony/voice/incoming",
        b"/telephony/voice/wait",
        b"/telephony/voice/wait",
    ]


def test_a_request_taken_and_not_answered_in_time_is_not_sent_again():
    def serve(_number, connection, received):
        if (request := read_request(connection)) is not None:
            received.append(request)
            read_request(connection)  # waits until the client gives up and closes

    with server(serve) as (url, received):
        transport = HttpTransport(timeout=0.5)
        with pytest.raises(Unreachable, match=r"did not answer within 0\.5 s"):
            transport.send("POST", url + "/telephony/voice/wait", form={}, headers={})
        transport.session.close()
    assert len(received) == 1


def test_nothing_listening_is_said_at_once():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        url = f"http://127.0.0.1:{taken.getsockname()[1]}"
    with pytest.raises(Unreachable, match=f"nothing answers at {url}"):
        HttpTransport(timeout=5).send("GET", url + "/healthz", headers={})
