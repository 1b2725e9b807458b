"""A browser's part in page tests through the test client: read the CSRF token a page carries, log in."""

from __future__ import annotations

import re

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


PASSWORD = "correct horse battery"  # the password of the `staff` fixture's users


def csrf_token(client, path: str = "/login", **kwargs) -> str:
    page = client.get(path, **kwargs)
    found = CSRF_META.search(page.get_data(as_text=True))
    assert found, f"{path} carries no csrf-token meta tag"
    return found.group(1)


def log_in(client, username: str, password: str, **kwargs):
    token = csrf_token(client, **kwargs)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, **kwargs
    )
