"""The console's softphone: who the phone network puts an operator's calls through to.

A browser softphone registers under a client identity. It is opaque (derived
from the user's id with the app's secret key), so neither the phone network nor
anyone reading its logs learns a username from it, and it never changes.
"""

from __future__ import annotations

import hashlib
import hmac


def client_identity(user_id: int, secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), f"softphone:{user_id}".encode(), hashlib.sha256)
    return "op" + digest.hexdigest()[:30]
