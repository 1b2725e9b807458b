"""bench/logins.py's verdict: incoming's p99 beside the logins over its p99 alone,
against 3×; any error in either run, or in the logins, fails it."""

from __future__ import annotations

from collections import Counter

from bench.logins import LoginForm, verdict
from bench.measured import Result


def run(p99_ms: float, codes: dict[int, int] | None = None) -> Result:
    return Result(
        "python", completed=100, duration=10, p99_ms=p99_ms, codes=Counter({200: 100, **(codes or {})})
    )


def logins(codes: dict[int, int] | None = None) -> Result:
    return Result("python", completed=50, duration=11, codes=Counter({200: 50, **(codes or {})}))


def test_under_three_times_passes_and_three_times_fails():
    name, ok, detail = verdict(run(4.0), run(11.9), logins(), 20)
    assert ok is True and "20 logins" in name and detail == "11.9 / 4.0 ms = 2.98×"
    assert verdict(run(4.0), run(12.0), logins(), 20)[1] is False


def test_an_error_anywhere_fails():
    assert verdict(run(4.0, {500: 1}), run(4.0), logins(), 20)[1] is False
    assert verdict(run(4.0), run(4.0), logins({429: 3}), 20)[1] is False


def test_the_login_form_is_a_form_post_with_its_cookie():
    raw = LoginForm("session=abc", "username=u&password=p&csrf_token=t").raw("127.0.0.1:5000")
    head, body = raw.split(b"\r\n\r\n")
    assert head.startswith(b"POST /login HTTP/1.1\r\n")
    assert b"Content-Type: application/x-www-form-urlencoded" in head and b"Cookie: session=abc" in head
    assert body == b"username=u&password=p&csrf_token=t" and f"Content-Length: {len(body)}".encode() in head
