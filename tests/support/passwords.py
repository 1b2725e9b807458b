"""Cheap password hashes for the tests: scrypt with a small work factor.

Production hashes with werkzeug's default scrypt (about 0.2 s a hash, 0.1 s a check
here), which made the users and logins of the tests a third of the quick loop's
time. A check reads the method from the hash, so the app checks these as it checks
real ones; test_login checks that a hash of werkzeug's default still works."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from werkzeug.security import generate_password_hash

from hotline.accounts import auth, users

CHEAP = "scrypt:1024:8:1"


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes() -> Iterator[None]:
    cheap = partial(generate_password_hash, method=CHEAP)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "generate_password_hash", cheap)
        patch.setattr(auth, "generate_password_hash", cheap)
        auth._dummy_hash.cache_clear()
        yield
    auth._dummy_hash.cache_clear()
