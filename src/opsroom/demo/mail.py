"""The demo desk's inbound mail: a requester answering the desk's mail about the onboarding
ticket (with the file they were asked for), an out-of-office reply taken for a loop, and a
stranger's mail held for the desk to accept or discard. Taken in through the same path as
mail to the SMTP listener, with the clock moved to each moment."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.orm import Session

from opsroom.demo.desk import AGENT
from opsroom.desk import service as desk
from opsroom.desk.schemas import TicketRead
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.mailin import service as mail
from opsroom.notify.domain import thread_tag

ONBOARDING = "Onboarding form loses attachments"


def load(session: Session, *, now: datetime) -> int:
    """Receive the demo mails (once: each is known by its Message-ID); how many are new."""
    before = len(mail.listing(session, actor=AGENT, limit=500).items)
    for minutes_ago, message in _mails(session):
        with clock.standing_at(now - timedelta(minutes=minutes_ago)):
            mail.receive(session, bytes(message), via="smtp")
    return len(mail.listing(session, actor=AGENT, limit=500).items) - before


def _mails(session: Session) -> list[tuple[int, EmailMessage]]:
    mails = [
        (
            90,
            _written(
                "<away.1@globex.example>",
                "r.diaz@globex.example",
                "Out of office",
                "I am away until Monday.",
                Auto_Submitted="auto-replied",
            ),
        ),
        (
            40,
            _written(
                "<question.1@newco.example>",
                "j.doe@newco.example",
                "Do you support single sign-on?",
                "We are evaluating your portal.",
            ),
        ),
    ]
    tickets = [desk.read(t, AGENT) for t in desk.search(session, actor=AGENT).items]
    for ticket in (t for t in tickets if t.title == ONBOARDING):
        mails.append((20, _reply(session, ticket)))
    return mails


def _reply(session: Session, ticket: TicketRead) -> EmailMessage:
    tag = thread_tag(settings_of(session).signing_secret.get_secret_value(), ticket.key)
    message = _written(
        "<steps.1@acme.example>",
        ticket.requester,
        f"Re: [{ticket.key}] {ticket.title} [ref:{tag}]",
        "It happens with every PDF over 2 MB; the steps are attached.",
    )
    steps = "1. Open the onboarding form\n2. Attach a 3 MB PDF\n3. Submit: the file is gone\n"
    message.add_attachment(steps, filename="steps.txt")
    return message


def _written(message_id: str, sender: str, subject: str, text: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"], message["From"], message["Subject"] = message_id, sender, subject
    message["To"] = "desk@opsroom.example"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message
