"""POST /telephony/voice/incoming and the language menu."""

from sqlalchemy import func, select
from twilio.twiml.voice_response import VoiceResponse

from hotline.extensions import db
from hotline.models import Call, Caller
from telephony import prompts
from telephony.twiml import Speaker
from tests.support.calls import ScriptedCall, TwilioWebhooks, spoken, twiml


def test_incoming_records_the_call_and_asks_for_a_language(twilio, app_context):
    call = ScriptedCall(twilio)
    root = twiml(call.dial())

    gather = root.find("Gather")
    assert gather.get("action") == "/telephony/voice/language?attempt=1"
    assert gather.get("numDigits") == "1"
    assert "казахского языка нажмите 1" in spoken(root)
    assert "русского языка нажмите 2" in spoken(root)
    assert root.find("Redirect").text == "/telephony/voice/language?attempt=1"

    record = call.record()
    assert record.status == "ringing"
    assert record.stage == "menu"
    assert record.caller.number_hash
    assert b"7015551234" not in record.caller.number_encrypted


def test_a_retried_webhook_makes_no_second_record(twilio, app_context):
    call = ScriptedCall(twilio)
    first = call.dial()
    again = call.dial(**{"I-Twilio-Idempotency-Token": "x"})
    retried = twilio.post(
        "/telephony/voice/incoming",
        {"CallSid": call.sid, "From": call.from_number, "To": "+77172000000", "CallStatus": "ringing"},
        headers={"I-Twilio-Idempotency-Token": "abc-123"},
    )
    assert first.get_data() == again.get_data() == retried.get_data()
    assert db.session.scalar(select(func.count()).select_from(Call)) == 1
    assert db.session.scalar(select(func.count()).select_from(Caller)) == 1


def test_a_repeat_caller_is_recognised_however_the_number_is_written(twilio, app_context):
    first, second = ScriptedCall(twilio, "+77015551234"), ScriptedCall(twilio, "87015551234")
    first.dial()
    second.dial()
    assert first.record().caller_id == second.record().caller_id


def test_withheld_numbers_are_allowed_and_never_merged(twilio, app_context):
    first, second = ScriptedCall(twilio, None), ScriptedCall(twilio, None)
    assert first.dial().status_code == 200
    assert second.dial().status_code == 200
    assert first.record().caller.withheld
    assert first.record().caller_id != second.record().caller_id


def test_a_sip_identity_is_treated_as_withheld(twilio, app_context):
    call = ScriptedCall(twilio, "client:operator-test")
    assert call.dial().status_code == 200
    assert call.record().caller.withheld


def test_choosing_a_language_gives_the_notice_and_need_menu_in_it(twilio, app_context):
    call = ScriptedCall(twilio)
    call.dial()
    root = twiml(call.press("/telephony/voice/language?attempt=1", "2"))
    text = spoken(root)
    assert text.startswith("Здравствуйте")
    assert "конфиденциален" in text
    assert "психологом, нажмите 1" in text
    assert "опасности, нажмите 9" in text
    assert root.find("Gather").get("action") == "/telephony/voice/menu?attempt=1"
    assert call.record().language == "ru"
    assert call.record().caller.language == "ru"


def test_an_unknown_language_digit_asks_again_then_takes_the_first(twilio, app_context):
    call = ScriptedCall(twilio)
    call.dial()
    root = twiml(call.press("/telephony/voice/language?attempt=1", "7"))
    assert root.find("Gather").get("action") == "/telephony/voice/language?attempt=2"
    assert "не поняла" in spoken(root)
    root = twiml(call.press("/telephony/voice/language?attempt=2", None))
    assert root.find("Gather").get("action") == "/telephony/voice/language?attempt=3"
    root = twiml(call.press("/telephony/voice/language?attempt=3", None))
    assert root.find("Gather").get("action") == "/telephony/voice/menu?attempt=1"
    assert call.record().language == "kk"


def test_with_one_language_the_language_menu_is_skipped(make_app):
    app = make_app(HOTLINE_LANGUAGES=["ru"])
    call = ScriptedCall(TwilioWebhooks(app.test_client()))
    with app.app_context():
        root = twiml(call.dial())
        assert root.find("Gather").get("action") == "/telephony/voice/menu?attempt=1"
        assert "конфиденциален" in spoken(root)
        assert call.record().language == "ru"


def test_kazakh_prompts_play_recordings_where_the_hotline_has_them(tmp_path):
    (tmp_path / "prompts" / "kk").mkdir(parents=True)
    (tmp_path / "prompts" / "kk" / "notice.mp3").write_bytes(b"ID3")
    recordings = prompts.find_recordings(tmp_path, ["kk", "ru"])
    assert recordings == {("kk", "notice"): "prompts/kk/notice.mp3"}
    assert "notice" not in prompts.missing_recordings(["kk", "ru"], recordings)["kk"]

    speaker = Speaker("Polly.Tatyana", recordings)
    response = VoiceResponse()
    speaker.speak(response, "notice", "kk")
    speaker.speak(response, "goodbye", "kk")
    document = str(response)
    assert "<Play>/static/prompts/kk/notice.mp3</Play>" in document
    # A prompt with no Kazakh recording is spoken in Russian, never left silent.
    assert 'language="ru-RU"' in document and "До свидания" in document
