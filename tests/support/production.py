"""Production secrets that pass every check, made afresh for each run."""

from __future__ import annotations

import secrets

from cryptography.fernet import Fernet

GOOD = {
    "SECRET_KEY": secrets.token_urlsafe(32),
    "PHONE_HASH_KEY": secrets.token_urlsafe(32),
    "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
    "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
    "PHONE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "TWILIO_API_KEY": "SK" + secrets.token_hex(16),
    "TWILIO_API_SECRET": secrets.token_urlsafe(32),
    "HOTLINE_PUBLIC_URL": "https://hotline.example.org",
}
