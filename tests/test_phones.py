import pytest

from config import DEV_PHONE_ENCRYPTION_KEY
from hotline.phones import InvalidNumber, PhoneVault, mask, normalise

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
    assert VAULT.digest("+77015551234") == VAULT.digest("+77015551234")
    assert VAULT.digest("+77015551234") != PhoneVault(DEV_PHONE_ENCRYPTION_KEY, "other-key").digest(
        "+77015551234"
    )
    assert "7015551234" not in VAULT.digest("+77015551234")


def test_encryption_round_trip_hides_the_number():
    token = VAULT.encrypt("+77015551234")
    assert b"7015551234" not in token
    assert VAULT.decrypt(token) == "+77015551234"


def test_mask_shows_last_two_digits_only():
    assert mask("+77015551234") == "••••34"
    assert mask(None) == "withheld"
