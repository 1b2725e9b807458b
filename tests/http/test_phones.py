import hashlib

import pytest
from cryptography.fernet import Fernet, InvalidToken

from config import DEV_PHONE_ENCRYPTION_KEY
from hotline.core.phones import InvalidNumber, PhoneVault, mask, normalise

VAULT = PhoneVault(DEV_PHONE_ENCRYPTION_KEY, "hash-key", "KZ")


@pytest.mark.parametrize("raw", ["+77015551234", "87015551234", "+7 701 555 12 34", "8 (701) 555-12-34"])
def test_one_number_in_many_spellings_is_one_e164(raw):
    assert normalise(raw, "KZ") == "+77015551234"


@pytest.mark.parametrize("raw", ["", None, "anonymous", "Anonymous", "+266696687", "restricted"])
def test_withheld_numbers_are_none(raw):
    assert normalise(raw, "KZ") is None


@pytest.mark.parametrize("raw", ["client:alice", "hello", "+7701"])
def test_nonsense_is_refused_without_repeating_it(raw):
    with pytest.raises(InvalidNumber) as error:
        normalise(raw, "KZ")
    assert raw not in str(error.value)


def test_hash_is_keyed_and_stable():
    number = "+77015551234"
    assert VAULT.digest(number) == VAULT.digest(number)
    assert VAULT.digest(number) != VAULT.digest("+77015551235")
    assert VAULT.digest(number) != PhoneVault(DEV_PHONE_ENCRYPTION_KEY, "other-key").digest(number)
    # Unkeyed, anyone could hash every possible number and look this one up.
    assert VAULT.digest(number) != hashlib.sha256(number.encode()).hexdigest()


def test_encryption_round_trip_hides_the_number():
    token = VAULT.encrypt("+77015551234")
    assert VAULT.decrypt(token) == "+77015551234"
    assert VAULT.encrypt("+77015551234") != token  # the same number twice does not show as the same
    with pytest.raises(InvalidToken):
        PhoneVault(Fernet.generate_key().decode(), "hash-key").decrypt(token)


def test_mask_shows_last_two_digits_only():
    assert mask("+77015551234") == "••••34"
    assert mask(None) == "withheld"
