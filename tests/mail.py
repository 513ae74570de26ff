"""Mail as senders write it, for the inbound mail tests."""

from __future__ import annotations

from email.message import EmailMessage

from opsroom.notify import domain as notify_domain
from opsroom.notify.domain import NoticeKind


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
