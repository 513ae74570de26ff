"""Email in, end to end through real servers: mail sent with smtplib to opsroom's own
aiosmtpd listener, and mail APPENDed to a real Dovecot mailbox the worker fetches on its
timer; opsroom's replies go out through a real SMTP server and come back threaded."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import cast

import pytest
from pydantic import SecretStr

from opsroom.desk import service as desk
from opsroom.desk.domain import Status
from opsroom.desk.schemas import MessageIn
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.mailin import listener, mailbox
from opsroom.mailin import service as mail
from opsroom.mailin.domain import Outcome
from opsroom.runtime.app import create_app
from opsroom.runtime.worker import run_once
from tests.factories import ACTOR
from tests.mail import REQUESTER, desk_by_mail, reply_to, written
from tests.peers.alertmanager import free_port
from tests.peers.dovecot import Mailbox, dovecot
from tests.peers.receivers import smtp_server
from tests.servers import serving


@pytest.fixture
def mail_settings(settings: Settings) -> Settings:
    return desk_by_mail(settings)


@pytest.fixture
def listening(mail_settings: Settings) -> Iterator[int]:
    port = free_port()
    controller = listener.listening(mail_settings, host="127.0.0.1", port=port)
    try:
        yield port
    finally:
        controller.stop()


def outcomes(settings: Settings) -> list[tuple[str, str | None]]:
    with session_scope(settings) as s:
        rows = mail.listing(s, actor=ACTOR).items
        return [(m.outcome, m.subject_key) for m in reversed(rows)]


def test_mail_sent_to_the_listener_is_committed_before_250(
    mail_settings: Settings, listening: int
) -> None:
    with smtplib.SMTP("127.0.0.1", listening) as smtp:
        code, answer = _sent(smtp, REQUESTER, written())
    assert (code, answer) == (250, b"2.0.0 Stored (ticket_opened)")
    assert outcomes(mail_settings) == [(Outcome.TICKET_OPENED, "TKT-1")]


def test_a_bounce_to_the_listener_is_kept_and_never_answered(
    mail_settings: Settings, listening: int
) -> None:
    with smtplib.SMTP("127.0.0.1", listening) as smtp:
        code, _ = _sent(smtp, "", written(subject="Undelivered Mail Returned to Sender"))
    assert code == 250
    with session_scope(mail_settings) as s:
        [row] = mail.listing(s, actor=ACTOR).items
        assert (row.outcome, row.reason) == (Outcome.LOOP, "a bounce (empty Return-Path)")
        assert desk.search(s, actor=ACTOR).items == []


def _sent(smtp: smtplib.SMTP, sender: str, raw: bytes) -> tuple[int, bytes]:
    """MAIL FROM (empty for a bounce), RCPT TO and DATA; the answer to DATA."""
    smtp.ehlo()
    smtp.mail(sender)
    smtp.rcpt("desk@opsroom.example")
    return smtp.data(raw)


def test_the_desks_reply_goes_out_and_the_answer_threads_back(
    mail_settings: Settings, listening: int
) -> None:
    with smtp_server() as (port, outbox):
        settings = mail_settings.model_copy(update={"smtp_port": port})
        with smtplib.SMTP("127.0.0.1", listening) as smtp:
            smtp.sendmail(REQUESTER, ["desk@opsroom.example"], written())
        with session_scope(settings) as s:
            desk.add_message(s, actor=ACTOR, key="TKT-1", data=MessageIn(body="Which browser?"))
        run_once(settings, owner="test-worker")
        [(_, to, sent)] = outbox.messages
    assert to == [REQUESTER]
    answer = reply_to(_as_email(sent), text="Firefox 133.")
    with smtplib.SMTP("127.0.0.1", listening) as smtp:
        smtp.sendmail(REQUESTER, ["desk@opsroom.example"], answer)
    assert outcomes(settings)[-1] == (Outcome.REPLY, "TKT-1")
    with session_scope(settings) as s:
        ticket = desk.get(s, actor=ACTOR, key="TKT-1")
        assert [m.body for m in ticket.messages] == ["Which browser?", "Firefox 133."]
        assert ticket.status == Status.OPEN


def _as_email(received: Message) -> EmailMessage:
    """The message as the requester's mail client reads it."""
    return cast(EmailMessage, message_from_bytes(received.as_bytes(), policy=policy.default))


# --- a mailbox the worker fetches ------------------------------------------------------


@pytest.fixture
def imap() -> Iterator[Mailbox]:
    with dovecot() as box:
        yield box


def fetching(settings: Settings, box: Mailbox) -> Settings:
    return settings.model_copy(
        update={
            "imap_host": box.host,
            "imap_port": box.port,
            "imap_security": "plain",
            "imap_username": box.user,
            "imap_password": SecretStr(box.password),
        }
    )


def test_the_worker_fetches_the_mailbox_on_its_timer_and_never_twice(
    mail_settings: Settings, imap: Mailbox
) -> None:
    settings = fetching(mail_settings, imap)
    imap.append(written(Message_ID="<first@acme.example>"))
    imap.append(written(sender="carl@newco.example", subject="Who do I ask?"))
    with session_scope(settings) as s:
        mailbox.start(s)
    run_once(settings, owner="worker-a")
    assert outcomes(settings) == [(Outcome.TICKET_OPENED, "TKT-1"), (Outcome.HELD, None)]
    assert imap.unseen() == 2  # marked seen only once their round has committed
    with session_scope(settings) as s:
        assert mailbox.fetch_now(s) == 0  # a second worker, or a restart: nothing twice
    assert imap.unseen() == 0
    assert len(outcomes(settings)) == 2


def test_handled_mail_is_moved_to_the_done_folder_where_one_is_set(
    mail_settings: Settings, imap: Mailbox
) -> None:
    imap.create("Handled")
    settings = fetching(mail_settings, imap).model_copy(update={"imap_done_folder": "Handled"})
    imap.append(written())
    with session_scope(settings) as s:
        assert mailbox.fetch_now(s) == 1
    with session_scope(settings) as s:
        assert mailbox.fetch_now(s) == 0
    assert (imap.held("INBOX"), imap.held("Handled")) == (0, 1)
    assert outcomes(settings) == [(Outcome.TICKET_OPENED, "TKT-1")]


def test_a_mailbox_that_refuses_the_login_is_reported(
    mail_settings: Settings, imap: Mailbox
) -> None:
    wrong = SecretStr("not the password")
    settings = fetching(mail_settings, imap).model_copy(update={"imap_password": wrong})
    with session_scope(settings) as s, pytest.raises(mailbox.MailboxError) as refused:
        mailbox.fetch_now(s)
    assert "Authentication failed" in str(refused.value)


def test_opsroom_serve_takes_mail_where_configured(mail_settings: Settings) -> None:
    port = free_port()
    settings = mail_settings.model_copy(update={"mail_listen_port": port})
    with serving(create_app(settings, worker=True)), smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.sendmail(REQUESTER, ["desk@opsroom.example"], written())
    assert outcomes(settings) == [(Outcome.TICKET_OPENED, "TKT-1")]
