"""A small HTTP/1.1 keep-alive client on asyncio, for the Python load generators."""

from __future__ import annotations

import asyncio
import re
import socket

CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
CHUNKED = re.compile(rb"\r\ntransfer-encoding:\s*chunked", re.IGNORECASE)
CONNECTION_CLOSE = re.compile(rb"\r\nconnection:\s*close", re.IGNORECASE)


class Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time (no pipelining)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    @classmethod
    async def open(cls, port: int) -> Connection:
        loop = asyncio.get_running_loop()
        _transport, protocol = await loop.create_connection(cls, "127.0.0.1", port)
        return protocol

    def connection_made(self, transport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed before the answer"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            return
        answer = self._parse()
        if answer is not None:
            self.waiter.set_result(answer)

    def _parse(self) -> tuple[int, bool] | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = bytes(self.buffer[: end + 2])
        status = int(head[9:12])
        start = end + 4
        if CHUNKED.search(head):
            total = self._chunked_end(start)
            if total is None:
                return None
        else:
            match = CONTENT_LENGTH.search(head)
            total = start + (int(match.group(1)) if match else 0)
            if len(self.buffer) < total:
                return None
        del self.buffer[:total]
        return status, bool(CONNECTION_CLOSE.search(head))

    def _chunked_end(self, position: int) -> int | None:
        while True:
            line_end = self.buffer.find(b"\r\n", position)
            if line_end < 0:
                return None
            size = int(bytes(self.buffer[position:line_end]).split(b";")[0], 16)
            position = line_end + 2 + size + 2
            if len(self.buffer) < position:
                return None
            if size == 0:
                return position

    async def send(self, raw: bytes) -> tuple[int, bool]:
        """Send one request, return (status, server closes the connection)."""
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class Source:
    """Raw requests handed out in order: each once, or round and round (`cycle`)."""

    def __init__(self, raws: list[bytes], cycle: bool) -> None:
        self.raws = raws
        self.cycle = cycle
        self.index = 0
        self.exhausted = False

    def next(self) -> bytes | None:
        if self.index >= len(self.raws):
            if not self.cycle or not self.raws:
                self.exhausted = True
                return None
            self.index = 0
        raw = self.raws[self.index]
        self.index += 1
        return raw
