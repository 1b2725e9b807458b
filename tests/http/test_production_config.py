"""Production refuses to start without real secrets, and says which, never showing a value."""

from __future__ import annotations

import base64

import pytest

import config
from config import ProductionConfig
from tests.support.production import GOOD


@pytest.fixture
def production_env(monkeypatch):
    """The environment of a production start with every secret good; tests spoil one."""
    monkeypatch.setenv("HOTLINE_ENV", "production")
    monkeypatch.delenv("TELEPHONY_SIMULATOR", raising=False)
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_a_production_config_with_real_secrets_starts(production_env, tmp_path, redis_url):
    from hotline import create_app

    production_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'hotline.db'}")
    production_env.setenv("REDIS_URL", redis_url)
    app = create_app()
    assert app.config["TWILIO_AUTH_TOKEN"] == GOOD["TWILIO_AUTH_TOKEN"]
    assert not app.config["TELEPHONY_SIMULATOR"]


SPOILED = [
    ("SECRET_KEY", "", "SECRET_KEY is not set"),
    ("SECRET_KEY", config.DEV_SECRET_KEY, "SECRET_KEY is the development default"),
    ("SECRET_KEY", "short-but-secret-value", "SECRET_KEY must be at least 32 characters"),
    ("PHONE_HASH_KEY", "", "PHONE_HASH_KEY is not set"),
    ("PHONE_HASH_KEY", config.DEV_PHONE_HASH_KEY, "PHONE_HASH_KEY is the development default"),
    ("PHONE_HASH_KEY", "x" * 31, "PHONE_HASH_KEY must be at least 32 characters"),
    ("TWILIO_AUTH_TOKEN", "", "TWILIO_AUTH_TOKEN is not set"),
    ("TWILIO_AUTH_TOKEN", config.DEV_AUTH_TOKEN, "TWILIO_AUTH_TOKEN is the development default"),
    ("TWILIO_AUTH_TOKEN", "g" * 32, "TWILIO_AUTH_TOKEN must be 32 hexadecimal characters"),
    ("TWILIO_AUTH_TOKEN", "a" * 31, "TWILIO_AUTH_TOKEN must be 32 hexadecimal characters"),
    ("TWILIO_AUTH_TOKEN", "a" * 32 + "\n", "TWILIO_AUTH_TOKEN must be 32 hexadecimal characters"),
    ("TWILIO_ACCOUNT_SID", "", "TWILIO_ACCOUNT_SID is not set"),
    ("TWILIO_ACCOUNT_SID", config.DEV_ACCOUNT_SID, "TWILIO_ACCOUNT_SID is the development default"),
    ("TWILIO_ACCOUNT_SID", "AB" + "1" * 32, "TWILIO_ACCOUNT_SID must be AC followed by 32"),
    ("TWILIO_ACCOUNT_SID", "AC" + "1" * 33, "TWILIO_ACCOUNT_SID must be AC followed by 32"),
    ("TWILIO_API_KEY", config.DEV_API_KEY, "TWILIO_API_KEY is the development default"),
    ("TWILIO_API_KEY", "AC" + "1" * 32, "TWILIO_API_KEY must be SK followed by 32"),
    ("TWILIO_API_SECRET", "short", "TWILIO_API_SECRET must be at least 32 characters"),
    ("PHONE_ENCRYPTION_KEY", "", "PHONE_ENCRYPTION_KEY is not set"),
    (
        "PHONE_ENCRYPTION_KEY",
        config.DEV_PHONE_ENCRYPTION_KEY,
        "PHONE_ENCRYPTION_KEY is the development default",
    ),
    ("PHONE_ENCRYPTION_KEY", "not-a-fernet-key-at-all", "PHONE_ENCRYPTION_KEY must be a Fernet key"),
    (
        "PHONE_ENCRYPTION_KEY",
        # A well-formed key cut short (fixed, so every pytest-xdist worker collects the same test).
        base64.urlsafe_b64encode(bytes(range(32))).decode()[:-4],
        "PHONE_ENCRYPTION_KEY must be a Fernet key",
    ),
]


@pytest.mark.parametrize(("name", "value", "message"), SPOILED)
def test_production_refuses_a_missing_default_or_weak_secret(production_env, name, value, message):
    production_env.setenv(name, value)
    with pytest.raises(RuntimeError) as refused:
        config.load()
    text = str(refused.value)
    assert message in text
    others = [other for other in GOOD if other != name]
    assert not any(f"{other} " in text for other in others), text
    if value:
        assert value.strip() not in text


def test_production_refuses_an_unset_secret(production_env):
    production_env.delenv("TWILIO_AUTH_TOKEN")
    with pytest.raises(RuntimeError, match="TWILIO_AUTH_TOKEN is the development default"):
        ProductionConfig().check()


def test_production_names_every_bad_secret_at_once(production_env):
    production_env.setenv("SECRET_KEY", "")
    production_env.setenv("PHONE_ENCRYPTION_KEY", "nope")
    with pytest.raises(RuntimeError) as refused:
        ProductionConfig().check()
    assert str(refused.value) == (
        "Refusing to start in production: SECRET_KEY is not set; PHONE_ENCRYPTION_KEY must be a Fernet key"
    )


def test_production_refuses_the_simulator(production_env):
    production_env.setenv("TELEPHONY_SIMULATOR", "1")
    with pytest.raises(RuntimeError, match="TELEPHONY_SIMULATOR must be off in production"):
        ProductionConfig().check()


@pytest.mark.parametrize("address", ["", "http://hotline.example.org", "http://127.0.0.1:5000"])
def test_production_needs_the_public_https_address_the_network_calls_back(production_env, address):
    production_env.setenv("HOTLINE_PUBLIC_URL", address)
    with pytest.raises(
        RuntimeError, match="HOTLINE_PUBLIC_URL must be the hotline's public https:// address"
    ):
        ProductionConfig().check()
