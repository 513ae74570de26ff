"""Mail as senders write it, and a desk that takes tickets by email, for the inbound mail
tests: the customer organisations Acme, Globex and NewCo (no email domains), a requester
account of Acme, squad payments (led by lead@) owning checkout, and the
vendor Payflow with its escalation ladder."""

from __future__ import annotations

from email.message import EmailMessage

from pydantic import SecretStr
from sqlalchemy.orm import Session

from opsroom.auth import schemas as auth_schemas
from opsroom.auth import service as users
from opsroom.auth.domain import Role
from opsroom.catalog.schemas import MemberIn
from opsroom.desk import organisations
from opsroom.desk import schemas as desk_schemas
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import domain as notify_domain
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind
from tests import factories
from tests.factories import ACTOR
from tests.service.vendors.test_engagements import vendor_platform

REQUESTER = "ann@acme.example"


def desk_by_mail(settings: Settings) -> Settings:
    """`settings`' database made ready, and settings taking its tickets by email."""
    with session_scope(settings) as s:
        vendor_platform(s)
        lead = MemberIn(name="Lee", email="lead@example.com", role="squad lead")
        factories.squad(s, "payments", members=[lead])
        factories.service(s, "checkout", owner="payments", tier=1)
        for name in ("Acme", "Globex", "NewCo"):
            customer = desk_schemas.OrganisationCreate(name=name, platforms=["procurement"])
            organisations.create(s, actor=ACTOR, data=customer)
        account = auth_schemas.UserCreate(
            email=REQUESTER,
            display_name="Ann",
            role=Role.REQUESTER,
            organisation="Acme",
            password=SecretStr("a long enough password 1"),
        )
        users.create_user(s, actor=ACTOR, data=account)
    return settings.model_copy(
        update={
            "mail_service": "checkout",
            "mail_attachment_max_bytes": 1000,
            "mail_attachment_types": ["image/png", "text/plain"],
            "mail_sender_limit_per_hour": 5,
        }
    )


def outgoing(session: Session, person: str) -> EmailMessage:
    """The last email queued for `person`, as it goes out."""
    row = notify.log(session, actor=ACTOR, person=person).items[0]
    message = notify_domain.from_dict(row.message)
    return notify_domain.email(message, sender="desk@opsroom.example", to=person)


def written(
    *,
    sender: str = "ann@acme.example",
    subject: str = "Cannot log in",
    text: str | None = "The sign-in page spins forever.",
    html: str | None = None,
    files: tuple[tuple[str, str, bytes], ...] = (),
    **headers: str,
) -> bytes:
    """A mail from `sender`; `headers` by their Python names (In_Reply_To=...)."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "desk@opsroom.example", subject
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    if text is not None:
        mail.set_content(text)
    if html is not None:
        if text is None:
            mail.set_content(html, subtype="html")
        else:
            mail.add_alternative(html, subtype="html")
    for filename, content_type, content in files:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(mail)


def sent_about(secret: str, key: str, *, title: str = "[TKT-1] Cannot log in") -> EmailMessage:
    """The email opsroom sends about `key`, as the requester's mail client holds it."""
    notice = notify_domain.Notice(
        kind=NoticeKind.TICKET_UPDATE,
        subject=key,
        title=title,
        body="We are looking into it.",
        link=f"http://opsroom.example/tickets/{key}",
        thread=notify_domain.thread_tag(secret, key),
    )
    return notify_domain.email(notice, sender="desk@opsroom.example", to="ann@acme.example")


def reply_to(sent: EmailMessage, *, sender: str = "ann@acme.example", text: str) -> bytes:
    """A reply as mail clients write it: Re: the subject, In-Reply-To and References the
    message answered, the original quoted below."""
    quoted = "\n".join(f"> {line}" for line in str(sent.get_content()).splitlines())
    return written(
        sender=sender,
        subject=f"Re: {sent['Subject']}",
        text=f"{text}\n\nOn Monday the desk wrote:\n{quoted}",
        In_Reply_To=str(sent["Message-ID"]),
        References=f"{sent['References']} {sent['Message-ID']}",
    )
