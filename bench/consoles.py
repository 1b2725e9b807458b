"""The console bench's consoles: each a logged-in browser session (POST /login with
the page's CSRF token, as tests/support/pages.py does) and a real python-socketio client
on its session cookie, in the bench process. Each notes, with time.perf_counter(),
when every `queue.caller_joined` and `offer.created` reached it, by CallSid, so the
latency is taken against the same clock as the menu webhook's answer.

The clients are python-socketio's AsyncClient, on the asyncio loop that sends the
callers' webhooks (bench/arrivals.py): the sync Client starts a thread for every
message it receives, which on a busy 2-core machine would add its own delay."""

from __future__ import annotations

import asyncio
import time

import requests
import socketio

from bench import pings
from hotline import events
from tests.support.pages import CSRF_META


class Console:
    """One operator's console: logged in, connected, available."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.username = username
        self.joined: dict[str, float] = {}  # CallSid → arrival (perf_counter)
        self.offered: dict[str, float] = {}
        self.pinged: dict[int, float] = {}  # the reference's pings (bench/pings.py) → arrival
        self.other_events = 0
        self.session = requests.Session()
        self.csrf = self._log_in(password)
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on(events.CALLER_JOINED, self._caller_joined)
        self.client.on(events.OFFER_CREATED, self._offer_created)
        self.client.on(pings.PING, self._pinged)
        self.client.on("*", self._other)

    def _log_in(self, password: str) -> str:
        """Log in as a browser does; the CSRF token of the console page it lands on."""
        page = self.session.get(f"{self.base}/login", timeout=10)
        token = CSRF_META.search(page.text).group(1)
        landed = self.session.post(
            f"{self.base}/login",
            data={"username": self.username, "password": password, "csrf_token": token},
            timeout=10,
        )
        found = CSRF_META.search(landed.text)
        if not landed.ok or "/console" not in landed.url or found is None:
            raise RuntimeError(f"{self.username} could not log in ({landed.status_code} at {landed.url})")
        return found.group(1)

    async def connect(self, transport: str) -> None:
        cookie = "; ".join(f"{name}={value}" for name, value in self.session.cookies.items())
        await self.client.connect(
            self.base, headers={"Cookie": cookie}, transports=[transport], wait_timeout=10
        )

    def available(self) -> None:
        """PUT /api/v1/me/presence from the console's session, as its button does."""
        answer = self.session.put(
            f"{self.base}/api/v1/me/presence",
            json={"presence": "available", "device": "browser"},
            headers={"X-CSRFToken": self.csrf},
            timeout=10,
        )
        if answer.status_code != 200:
            raise RuntimeError(
                f"{self.username} could not become available: {answer.status_code} {answer.text}"
            )

    def _caller_joined(self, data: dict) -> None:
        self.joined.setdefault(data["call_sid"], time.perf_counter())

    def _offer_created(self, data: dict) -> None:
        self.offered.setdefault(data["call_sid"], time.perf_counter())

    def _pinged(self, data: dict) -> None:
        self.pinged.setdefault(data["ping"], time.perf_counter())

    def _other(self, _event: str, _data: object = None) -> None:
        self.other_events += 1

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()
        self.session.close()


class Consoles:
    """`usernames`' consoles: logged in, connected, available; closed however the bench ends."""

    def __init__(self, base: str, usernames: list[str], password: str, transport: str = "websocket") -> None:
        self.base, self.usernames, self.password, self.transport = base, usernames, password, transport
        self.opened: list[Console] = []

    async def __aenter__(self) -> Consoles:
        try:
            for username in self.usernames:
                self.opened.append(await asyncio.to_thread(Console, self.base, username, self.password))
            await asyncio.gather(*(console.connect(self.transport) for console in self.opened))
            await asyncio.gather(*(asyncio.to_thread(console.available) for console in self.opened))
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.close()

    def forget(self) -> None:
        """Drop what the warm-up received."""
        for console in self.opened:
            console.joined.clear()
            console.offered.clear()
            console.pinged.clear()

    async def close(self) -> None:
        await asyncio.gather(*(console.close() for console in self.opened), return_exceptions=True)
