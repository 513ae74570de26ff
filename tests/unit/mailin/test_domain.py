"""Inbound mail read as pure rules: what is shown, what counts as automatic mail, which
thread a reply belongs to, and which files are kept."""

from __future__ import annotations

import pytest

from opsroom.mailin import domain
from opsroom.mailin.domain import Attachment
from tests.mail import reply_to, sent_about, written

SECRET = "s3cret"


def test_the_plain_text_part_is_preferred_and_the_sender_read_from_from() -> None:
    mail = domain.parse(
        written(sender="Ann <Ann@Acme.example>", text="plain words", html="<p>rich words</p>")
    )
    assert (mail.sender, mail.subject, mail.text) == (
        "ann@acme.example",
        "Cannot log in",
        "plain words",
    )
    assert mail.automatic is None


def test_an_html_only_mail_is_sanitised_to_its_text() -> None:
    html = (
        '<p onclick="steal()">Checkout &amp; login <b>fail</b></p>'
        "<script>alert(1)</script><style>p{}</style><img src=x onerror=alert(2)>"
    )
    mail = domain.parse(written(text=None, html=html))
    assert mail.text == "Checkout & login fail"


def test_files_are_read_with_their_type() -> None:
    mail = domain.parse(written(files=(("shot.png", "image/png", b"\x89PNG..."),)))
    assert mail.attachments == (Attachment("shot.png", "image/png", b"\x89PNG..."),)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "list"}, "Precedence: list"),
        ({"X_Autoreply": "yes"}, "X-Autoreply header"),
        ({"X_Autorespond": "Out of office"}, "X-Autorespond header"),
        ({"Return_Path": "<>"}, "a bounce (empty Return-Path)"),
    ],
)
def test_automatic_mail_is_recognised(headers: dict[str, str], reason: str) -> None:
    assert domain.parse(written(**headers)).automatic == reason


def test_a_bounce_from_the_mailer_daemon_is_automatic() -> None:
    mail = domain.parse(written(sender="MAILER-DAEMON@mx.acme.example"))
    assert mail.automatic == "a bounce from MAILER-DAEMON"


def test_a_person_writing_is_not_automatic() -> None:
    mail = domain.parse(written(Auto_Submitted="no", Precedence="first-class"))
    assert mail.automatic is None


def test_a_reply_is_threaded_by_the_message_it_answers() -> None:
    sent = sent_about(SECRET, "TKT-12")
    reply = domain.parse(reply_to(sent, text="Still broken"))
    assert domain.thread_of(reply, SECRET) == "TKT-12"
    assert domain.reply_text(reply.text) == "Still broken"


def test_a_reply_whose_client_dropped_the_headers_is_threaded_by_its_subject() -> None:
    sent = sent_about(SECRET, "ENG-4")
    mail = domain.parse(written(subject=f"RE: {sent['Subject']}"))
    assert domain.thread_of(mail, SECRET) == "ENG-4"


def test_a_forged_or_edited_thread_tag_names_nothing() -> None:
    genuine = str(sent_about(SECRET, "TKT-12")["Subject"])
    forged = genuine.replace("TKT-12", "TKT-13")
    assert domain.thread_of(domain.parse(written(subject=forged)), SECRET) is None
    assert domain.thread_of(domain.parse(written(subject=genuine)), "another secret") is None


def test_outgoing_mail_carries_the_thread_and_says_it_is_automatic() -> None:
    sent = sent_about(SECRET, "TKT-12")
    assert str(sent["Subject"]).startswith("[TKT-1] Cannot log in [ref:TKT-12.")
    assert str(sent["References"]).startswith("<TKT-12.")
    assert "TKT-12." in str(sent["Message-ID"])
    assert sent["Auto-Submitted"] == "auto-generated"


def test_mail_without_a_sender_is_malformed() -> None:
    with pytest.raises(domain.Malformed, match="no sender"):
        domain.parse(b"Subject: hello\r\n\r\nno one wrote this")


def test_garbage_is_malformed_never_a_crash() -> None:
    for raw in (b"", b"\x00\xff\xfe" * 50, b"From: \r\n\r\n", b"From: =?bogus?Q?x?=\r\n\r\n"):
        with pytest.raises(domain.Malformed):
            domain.parse(raw)


def test_a_mail_without_message_id_is_still_known_by_its_content() -> None:
    raw = b"From: ann@acme.example\r\nSubject: hi\r\n\r\nbody"
    assert domain.message_id_of(raw) == domain.message_id_of(raw)
    assert domain.message_id_of(raw).endswith("@opsroom.invalid>")
    assert domain.message_id_of(written(Message_ID="<a@b>")) == "<a@b>"


def test_files_too_large_or_of_another_type_are_refused() -> None:
    types = ["image/png"]
    small = Attachment("a.png", "image/png", b"x" * 10)
    assert domain.refusal(small, most_bytes=10, types=types) is None
    large = Attachment("big.png", "image/png", b"x" * 11)
    assert domain.refusal(large, most_bytes=10, types=types) == "big.png: 11 bytes, more than 10"
    program = Attachment("run.exe", "application/x-msdownload", b"MZ")
    assert domain.refusal(program, most_bytes=10, types=types) == (
        "run.exe: application/x-msdownload files are not taken"
    )


def test_a_sender_past_the_hourly_limit_is_flooding() -> None:
    assert domain.flooding(30, 30) is None
    assert domain.flooding(31, 30) == "more than 30 mails from this sender in an hour"


def test_the_quoted_message_is_left_out_of_a_reply() -> None:
    text = "Fixed on our side.\n-- \nPayflow support\n> old text"
    assert domain.reply_text(text) == "Fixed on our side."
    assert domain.reply_text("> only quoted") == "> only quoted"
