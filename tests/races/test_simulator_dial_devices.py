"""The simulated softphones' API: only a valid access token gets in, and a device
sees and acts on only the calls ringing for its own identity."""

from __future__ import annotations

import time
from functools import partial

import jwt
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.simulator.device import SimulatedDevice
from telephony.simulator.errors import Refused
from telephony.simulator.ids import new_sid
from telephony.simulator.phone import FlaskClientTransport, SimulatedPhone
from tests.support.concurrency import at_once
from tests.support.devices import access_token
from tests.support.live_server import serve

IDENTITY = "op-a1"
OTHER = "op-b2"


@pytest.fixture
def phone(app, client) -> SimulatedPhone:
    return SimulatedPhone.for_app(app.config, "http://localhost", transport=FlaskClientTransport(client))


def ring_operator(phone: SimulatedPhone, identity: str = IDENTITY) -> tuple[str, str]:
    """A caller's call in progress whose <Dial><Client> rings `identity`: (parent, child)."""
    parent = new_sid("CA")
    phone.network(parent, "ring", **{"from": "+77015551234", "to": "+77172000000"})
    phone.network(parent, "answer")
    child = phone.network(parent, "dial", client=identity, timeout=20)["dial"]
    return parent, child["sid"]


def device(app, client, identity: str = IDENTITY, **token) -> SimulatedDevice:
    return SimulatedDevice(
        "http://localhost",
        access_token(app.config, identity, **token),
        transport=FlaskClientTransport(client),
    )


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_device_is_offered_only_its_own_identitys_call_and_nothing_private(app, client, phone):
    parent, child = ring_operator(phone)
    mine, theirs = device(app, client), device(app, client, OTHER)
    assert mine.register() == IDENTITY

    assert theirs.incoming(timeout=0) is None
    offered = mine.incoming(timeout=0)
    assert (offered.sid, offered.parent_call_sid, offered.status) == (child, parent, "ringing")
    raw = client.get("/simulator/devices/incoming", headers=bearer(mine.token))
    assert "+7701" not in raw.get_data(as_text=True) and "+7717" not in raw.get_data(as_text=True)

    for action in ("accept", "reject", "disconnect", "mute"):
        response = client.post(f"/simulator/devices/calls/{child}/{action}", headers=bearer(theirs.token))
        assert response.status_code == 404
    assert client.get(f"/simulator/devices/calls/{child}", headers=bearer(theirs.token)).status_code == 404
    assert (
        client.post(f"/simulator/devices/calls/{child}x/accept", headers=bearer(mine.token)).status_code
        == 404
    )
    assert (
        client.post(f"/simulator/devices/calls/{parent}/accept", headers=bearer(mine.token)).status_code
        == 404
    )

    assert mine.accept().status == "in-progress"
    with pytest.raises(Refused) as twice:
        mine.accept()
    assert twice.value.status == 409
    assert mine.mute(True).muted is True
    muted = client.post(
        f"/simulator/devices/calls/{child}/mute", json={"muted": "yes"}, headers=bearer(mine.token)
    )
    assert muted.status_code == 400
    assert mine.disconnect().status == "completed"
    assert mine.status().ended_by == "operator"


@pytest.mark.parametrize(
    "make_token",
    [
        lambda config: "",
        lambda config: "not-a-jwt",
        lambda config: access_token(config, IDENTITY, secret="another-secret-of-at-least-32-characters"),
        lambda config: access_token(config, IDENTITY, ttl=-60),
        lambda config: access_token(config, IDENTITY, signing_key_sid="SK" + "1" * 32),
        lambda config: access_token(config, IDENTITY, account_sid="AC" + "1" * 32),
        lambda config: access_token(config, IDENTITY, incoming=False),
        lambda config: jwt.encode(
            {"iss": config["TWILIO_API_KEY"], "sub": config["TWILIO_ACCOUNT_SID"], "exp": time.time() + 60},
            config["TWILIO_API_SECRET"],
        ),
        lambda config: jwt.encode(
            {
                "iss": config["TWILIO_API_KEY"],
                "sub": config["TWILIO_ACCOUNT_SID"],
                "exp": time.time() + 60,
                "grants": {"identity": IDENTITY, "voice": {"incoming": {"allow": True}}},
            },
            None,
            algorithm="none",
        ),
    ],
    ids=[
        "none",
        "garbage",
        "wrong-secret",
        "expired",
        "other-key",
        "other-account",
        "no-incoming",
        "no-grant",
        "unsigned",
    ],
)
def test_a_bad_token_is_refused(app, client, phone, make_token):
    _, child = ring_operator(phone)
    headers = bearer(make_token(app.config))
    assert client.get("/simulator/devices/registration", headers=headers).status_code == 401
    assert client.get("/simulator/devices/incoming", headers=headers).status_code == 401
    response = client.post(f"/simulator/devices/calls/{child}/accept", headers=headers)
    assert response.status_code == 401 and response.is_json
    assert (
        client.get(
            f"/simulator/devices/calls/{child}", headers=bearer(access_token(app.config, IDENTITY))
        ).json["call"]["status"]
        == "ringing"
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sid=st.one_of(st.text(max_size=40), st.from_regex(r"CA[0-9a-f]{32}", fullmatch=True)),
    action=st.sampled_from(["accept", "reject", "disconnect", "mute", "hold", ""]),
    body=st.one_of(
        st.none(), st.dictionaries(st.text(max_size=8), st.one_of(st.booleans(), st.text(max_size=8)))
    ),
    header=st.one_of(
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
        st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=60).map("Bearer {}".format),
    ),
)
def test_the_device_api_never_fails_on_hostile_input(app, client, sid, action, body, header):
    token = access_token(app.config, IDENTITY)
    for headers in ({"Authorization": header}, bearer(token)):
        path = "/simulator/devices/calls/" + sid.replace("/", "").replace("?", "").replace("#", "")
        response = client.post(f"{path}/{action}", json=body, headers=headers)
        assert response.status_code < 500
        assert client.get(path, headers=headers).status_code < 500
    assert client.get("/simulator/devices/incoming", headers={"Authorization": header}).status_code in {
        200,
        401,
    }


def test_of_racing_accepts_and_rejects_exactly_one_wins(make_app):
    """Two tabs of the operator's console answer at once: one conditional update wins."""
    with serve(make_app) as live:
        phone = SimulatedPhone.for_app(live.app.config, live.url)
        _, child = ring_operator(phone)
        token = access_token(live.app.config, IDENTITY)

        def press(action: str) -> int:
            url = f"{live.url}/simulator/devices/calls/{child}/{action}"
            return requests.post(url, headers=bearer(token), timeout=10).status_code

        codes = at_once([partial(press, action) for action in ["accept", "reject"] * 4])

    assert sorted(codes) == [200] + [409] * 7
