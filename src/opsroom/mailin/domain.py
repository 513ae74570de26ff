"""Inbound mail as pure rules: a raw message read into what opsroom acts on (its sender,
subject, the text to show and its files), whether it is automatic mail that must never be
answered, which thread it replies to, and which files are kept."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Collection
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, MIMEPart
from email.utils import parseaddr
from enum import StrEnum

import nh3

from opsroom.notify.domain import threads_named


class Outcome(StrEnum):
    """What became of a received mail."""

    TICKET_OPENED = "ticket_opened"  # a requester's new mail
    REPLY = "reply"  # threaded onto its ticket
    VENDOR_REPLY = "vendor_reply"  # a vendor's answer to an engagement's escalation
    HELD = "held"  # waits for staff to accept or discard it
    LOOP = "loop"  # automatic mail (auto-reply, bounce, a flood): stored, never answered
    MALFORMED = "malformed"  # unreadable: stored raw for a look
    ACCEPTED = "accepted"  # held, then taken in as a ticket by staff
    DISCARDED = "discarded"  # held, then thrown away by staff


class Malformed(Exception):
    """The message cannot be read as mail."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Mail:
    message_id: str
    sender: str  # the From address, lower case
    subject: str
    text: str  # the plain text part, or the HTML part sanitised down to its text
    attachments: tuple[Attachment, ...]
    references: str  # In-Reply-To and References, where a reply names what it answers
    automatic: str | None  # why it is automatic mail, or None


MESSAGE_ID_LIMIT = 300
ADDRESS_LIMIT = 320  # RFC 3696's longest address
PARSE_FAILURES = (ValueError, LookupError, TypeError, AttributeError, IndexError)


def message_id_of(raw: bytes) -> str:
    """The message's Message-ID, or one made from its content when it has none (so the
    same message received twice is still known)."""
    try:
        found = str(message_from_bytes(raw, policy=policy.default).get("Message-ID") or "")
    except PARSE_FAILURES:
        found = ""
    if found.strip():
        return _kept(found.strip())[:MESSAGE_ID_LIMIT]
    return f"<{hashlib.sha256(raw).hexdigest()}@opsroom.invalid>"


def parse(raw: bytes) -> Mail:
    try:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        sender = _kept(parseaddr(str(message.get("From", "")))[1].strip().lower())
        if "@" not in sender:
            raise Malformed("it names no sender address in From")
        if len(sender) > ADDRESS_LIMIT:
            raise Malformed(f"its sender address is longer than {ADDRESS_LIMIT} characters")
        return Mail(
            message_id=message_id_of(raw),
            sender=sender,
            subject=_kept(" ".join(str(message.get("Subject", "")).split())),
            text=_kept(_text(message)),
            attachments=tuple(_attachments(message)),
            references=f"{message.get('In-Reply-To', '')} {message.get('References', '')}",
            automatic=automatic(message),
        )
    except PARSE_FAILURES as exc:
        raise Malformed(f"it cannot be read as mail: {exc}") from None


def _kept(text: str) -> str:
    """Text as a database keeps it: PostgreSQL takes no NUL character."""
    return text.replace("\x00", "")


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _decoded(part)
    return content.strip() if part.get_content_subtype() == "plain" else sanitised(content)


def _decoded(part: MIMEPart) -> str:
    try:
        return str(part.get_content())
    except LookupError:  # a charset Python does not know
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def sanitised(markup: str) -> str:
    """HTML reduced by nh3 to its text (scripts and styles dropped with their content),
    to be shown as text and escaped like any other."""
    return html.unescape(nh3.clean(markup, tags=set())).strip()


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        found.append(
            Attachment(
                filename=_kept(part.get_filename() or "attachment")[:255],
                content_type=part.get_content_type(),
                content=payload if isinstance(payload, bytes) else b"",
            )
        )
    return found


BULK = frozenset({"bulk", "junk", "list"})
AUTORESPONDER_HEADERS = ("X-Autoreply", "X-Autorespond")
BOUNCERS = frozenset({"mailer-daemon", "postmaster"})


def automatic(message: EmailMessage) -> str | None:
    """Why the message is automatic mail that must not be answered (RFC 3834 and the
    de-facto headers of auto-responders and list servers), or None."""
    submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    if submitted != "no":
        return f"Auto-Submitted: {submitted}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in BULK:
        return f"Precedence: {precedence}"
    for name in AUTORESPONDER_HEADERS:
        if name in message:
            return f"{name} header"
    if str(message.get("Return-Path", "")).strip() == "<>":
        return "a bounce (empty Return-Path)"
    local = parseaddr(str(message.get("From", "")))[1].partition("@")[0].lower()
    return f"a bounce from {local.upper()}" if local in BOUNCERS else None


def thread_of(mail: Mail, secret: str) -> str | None:
    """The key the mail replies to: the thread tag in the headers a reply names, else in
    the subject; a forged or mistyped tag names nothing."""
    found = threads_named(secret, mail.references) or threads_named(secret, mail.subject)
    return found[0] if found else None


QUOTE_HEADER = re.compile(r"^\s*On .+ wrote:\s*$")


def reply_text(text: str) -> str:
    """What the sender wrote, without the quoted message below it."""
    kept: list[str] = []
    for line in text.splitlines():
        if line.startswith(">") or QUOTE_HEADER.match(line) or line.strip() == "--":
            break
        kept.append(line)
    return "\n".join(kept).strip() or text.strip()


def refusal(attachment: Attachment, *, most_bytes: int, types: Collection[str]) -> str | None:
    """Why a file is not kept (too large, or of a type not taken), or None."""
    if len(attachment.content) > most_bytes:
        return f"{attachment.filename}: {len(attachment.content)} bytes, more than {most_bytes}"
    if attachment.content_type not in types:
        return f"{attachment.filename}: {attachment.content_type} files are not taken"
    return None


def flooding(recent: int, most_per_hour: int) -> str | None:
    """A sender past the hourly limit (`recent` counts the mail at hand) is answering itself, or something is wrong: its mail
    is kept but not acted on."""
    if recent > most_per_hour:
        return f"more than {most_per_hour} mails from this sender in an hour"
    return None
