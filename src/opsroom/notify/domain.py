"""Notifications as pure rules: what a page and a notice carry on every channel, each
channel's wire format, the webhook signature, the one-click acknowledge and unsubscribe
tokens, the SMS reply codes, the retry policy and which status updates a stakeholder
subscription hears."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from opsroom.auth.domain import Action, Decision, Principal, Role, decide
from opsroom.incidents.domain import Audience
from opsroom.infra.retry import Backoff

# 10 s, 20 s, 40 s ... at most half an hour between attempts; six attempts in all.
RETRY = Backoff(first=timedelta(seconds=10), cap=timedelta(minutes=30), attempts=6)
# How long a worker holds a delivery it is sending, unless it renews the lease (it does every
# LEASE_RENEWAL while the send is under way): if the worker dies, another one sends the
# delivery once the lease runs out, within half a minute of the crash.
DELIVERY_LEASE = timedelta(seconds=20)
LEASE_RENEWAL = timedelta(seconds=5)
SIGNATURE_HEADER = "X-Opsroom-Signature"
# Every attempt at one delivery carries the same key, so that a receiver can drop a repeat.
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Headers stay on one line up to RFC 5322's limit: a folded List-Unsubscribe URL would be
# encoded into something no mail client follows.
MAIL_POLICY = policy.default.clone(max_line_length=998)


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    SLACK = "slack"
    TEAMS = "teams"
    SMS = "sms"
    VOICE = "voice"  # a phone call through Twilio: press 1 to acknowledge, 2 to escalate
    PUSH = "push"  # a mobile push through Apprise: ntfy, Pushover, Telegram, Signal ...


def address_problem(kind: Channel, address: str) -> str | None:
    """Why an address cannot serve a contact method of this kind, if it cannot."""
    if kind is Channel.EMAIL and "@" not in address:
        return "an email contact needs an email address"
    if kind in PHONES:
        return None if phone_number(address) else PHONE_PROBLEM
    if kind is Channel.PUSH:
        return None if push_service_known(address) else PUSH_PROBLEM
    if kind is not Channel.EMAIL and not address.startswith(("https://", "http://")):
        return "a webhook or chat contact needs an http(s) URL"
    return None


PHONES = frozenset({Channel.SMS, Channel.VOICE})
PHONE_PROBLEM = (
    "an SMS or voice contact needs a valid phone number in international form (+27821234567)"
)


PUSH_PROBLEM = "a push contact needs an Apprise URL of a push service (ntfys://ntfy.sh/topic)"


def push_service_known(url: str) -> bool:
    """Whether Apprise knows the push service `url` names (ntfy://, pover://, tgram:// ...)."""
    import apprise  # its plugins load at the first use, not at every process start

    return bool(apprise.Apprise().add(url))


def phone_number(text: str) -> str | None:
    """The number in E.164 form (+27821234567), if `text` is a valid international number."""
    import phonenumbers  # its metadata costs a quarter second: not at every process start

    try:
        parsed = phonenumbers.parse(text.strip(), None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def stored_address(kind: Channel, address: str) -> str:
    """An address as it is kept: a phone number in E.164 form, anything else as given."""
    return (phone_number(address) or address) if kind in PHONES else address


def masked(number: str) -> str:
    """A phone number as people other than its owner and administrators see it."""
    return number[:3] + "•" * max(len(number) - 7, 0) + number[-4:]


def settings_editable_by(actor: Principal, person: str) -> Decision:
    """Whether `actor` may change how `person` is reached: everyone their own, an
    administrator anyone's."""
    return decide(actor, Action.SELF_SERVICE if actor.name == person else Action.ADMINISTER)


def address_seen_by(actor: Principal, person: str, kind: Channel, address: str) -> str:
    """`person`'s address as `actor` sees it: a phone number or push URL (it may carry a
    token) whole only for its owner and administrators."""
    if (
        kind not in PHONES | {Channel.PUSH}
        or actor.name == person
        or decide(actor, Action.ADMINISTER).allowed
    ):
        return address
    return masked(address)


def hears(subscribed: Audience, update: Audience) -> bool:
    """Whether a subscription for `subscribed` receives an update for `update`: internal
    updates are meant for the people working incidents; customer updates reach everyone."""
    return subscribed is Audience.INTERNAL or update is Audience.CUSTOMER


def default_audience(role: Role | None) -> Audience:
    """A subscriber's audience when none is chosen: internal for an account that may work
    incidents; customer for viewers, vendor contacts, requesters and bare email addresses."""
    if role is None:
        return Audience.CUSTOMER
    works_incidents = decide(Principal(name="", role=role), Action.WORK_INCIDENTS).allowed
    return Audience.INTERNAL if works_incidents else Audience.CUSTOMER


class Urgency(StrEnum):
    """How urgent a page is (an incident's urgency 1-2 is high, 3 low); a notification rule
    is for pages of one urgency or of any."""

    HIGH = "high"
    LOW = "low"
    ANY = "any"


def page_urgency(incident_urgency: int) -> Urgency:
    return Urgency.HIGH if incident_urgency <= 2 else Urgency.LOW


def rule_applies(rule: Urgency, page: Urgency) -> bool:
    return rule is Urgency.ANY or rule is page


@dataclass(frozen=True)
class QuietHours:
    """When a person is not woken for a low-urgency page: from `start` to `end` local time
    in `zone` (across midnight when `end` comes first; never when they are equal)."""

    start: time
    end: time
    zone: str

    def covers(self, at: datetime) -> bool:
        local = at.astimezone(ZoneInfo(self.zone)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def over_after(self, at: datetime) -> datetime:
        """The first moment at or after `at` outside the quiet hours."""
        if not self.covers(at):
            return at
        tz = ZoneInfo(self.zone)
        local = at.astimezone(tz)
        for days in (0, 1):
            end = datetime.combine(local.date() + timedelta(days=days), self.end, tzinfo=tz)
            # a local time the clocks skip (a DST gap) is taken as the moment after the gap
            end = end.astimezone(UTC)
            if end > at and not self.covers(end):
                return end
        raise AssertionError("quiet hours shorter than a day always end within two days")


def page_due(
    queued: datetime, delay: timedelta, urgency: Urgency, quiet: QuietHours | None
) -> datetime:
    """When a page on one route goes out: its delay after being queued, and for a low-urgency
    page not before its person's quiet hours are over."""
    due = queued + delay
    if urgency is Urgency.HIGH or quiet is None:
        return due
    return quiet.over_after(due)


class Delivery(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Message:
    """What every page says, whatever the channel."""

    incident: str
    priority: str
    summary: str
    link: str
    ack_link: str
    reason: str = ""
    reply_code: str = ""  # the short code an SMS reply names (ACK 4821)
    urgency: str = "high"  # Urgency: a low-urgency page waits out its person's quiet hours

    @property
    def title(self) -> str:
        return f"[{self.priority}] {self.incident}: {self.summary}"

    def text(self) -> str:
        lines = [self.title, self.reason, f"Open: {self.link}", f"Acknowledge: {self.ack_link}"]
        return "\n".join(line for line in lines if line)

    event = "incident.page"
    theme = "D93F0B"

    @property
    def detail(self) -> str:
        return self.reason

    def buttons(self) -> list[tuple[str, str]]:
        return [("Acknowledge", self.ack_link), ("Open incident", self.link)]

    def short_text(self) -> str:
        """One SMS (160 characters): what is wrong and how to answer it."""
        answer = f" Reply ACK {self.reply_code}, ESC {self.reply_code} or RES {self.reply_code}"
        if not self.reply_code:
            return clip(self.title, SMS_LENGTH)
        return clip(self.title, SMS_LENGTH - len(answer)) + answer

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class NoticeKind(StrEnum):
    """What a notice is about: none of them asks to be acknowledged."""

    STATUS_UPDATE = "incident.status_update"
    UPDATE_DUE = "incident.update_due"
    ACTION_OVERDUE = "action.overdue"
    ACTION_ESCALATED = "action.escalated"
    REVIEW_OVERDUE = "review.overdue"
    RISK_REVIEW = "risk.review"
    ISSUE_OVERDUE = "issue.overdue"
    TICKET_UPDATE = "ticket.update"
    TICKET_SURVEY = "ticket.survey"
    STATUS_CONFIRM = "status_page.confirm"
    STATUS_NEWS = "status_page.news"
    VENDOR_ESCALATION = "vendor.escalation"
    VENDOR_CONTRACT_RENEWAL = "vendor.contract_renewal"
    VERIFICATION = "contact.verification"


@dataclass(frozen=True)
class Notice:
    """A notification that is not a page: an incident's status update for its stakeholders,
    a reminder about an update, an action item or a review. Nothing to acknowledge."""

    kind: NoticeKind
    subject: str  # the key of what it is about: INC-7, ACT-12, PIR-3
    title: str
    body: str
    link: str
    unsubscribe_link: str = ""
    thread: str = ""  # thread_tag(): a reply by email finds its way back to `subject`

    theme = "0B6BD9"
    urgency = "high"  # a notice is not held back by quiet hours

    @property
    def event(self) -> str:
        return str(self.kind)

    @property
    def summary(self) -> str:
        return self.title

    @property
    def detail(self) -> str:
        return self.body

    def text(self) -> str:
        lines = [self.title, self.body, f"Open: {self.link}"]
        if self.unsubscribe_link:
            lines.append(f"Unsubscribe: {self.unsubscribe_link}")
        return "\n".join(line for line in lines if line)

    def buttons(self) -> list[tuple[str, str]]:
        return [(f"Open {self.subject}", self.link)]

    def as_dict(self) -> dict[str, str]:
        return {**asdict(self), "kind": str(self.kind)}


class Sendable(Protocol):
    """What every channel renders: a page or a notice."""

    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def theme(self) -> str: ...
    @property
    def urgency(self) -> str: ...

    def text(self) -> str: ...
    def buttons(self) -> list[tuple[str, str]]: ...
    def as_dict(self) -> dict[str, str]: ...


def from_dict(stored: dict[str, Any]) -> Message | Notice:
    """A page or notice back from its outbox row."""
    if "kind" in stored:
        return Notice(**{**stored, "kind": NoticeKind(stored["kind"])})
    return Message(**stored)


def idempotency_key(dedup_key: str) -> str:
    """The key every attempt at one outbox row carries: opaque, the same on every attempt
    and in every worker, different for every row (its de-duplication key is unique)."""
    return "opsroom-" + hashlib.sha256(dedup_key.encode()).hexdigest()[:32]


def email(message: Sendable, *, sender: str, to: str, key: str | None = None) -> EmailMessage:
    """The mail for `message`; `key`, the delivery's idempotency key, makes its Message-ID
    (the same on every attempt, so that a mail system drops a repeat) and a header."""
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["Subject"], mail["From"], mail["To"] = message.title, sender, to
    host = sender.rpartition("@")[2] or "localhost"
    thread = message.as_dict().get("thread")
    if thread:
        _threaded(mail, thread, host=host)
    if key:
        del mail["Message-ID"]
        mail["Message-ID"] = f"<{thread + '.' if thread else ''}{key}@{host}>"
        mail[IDEMPOTENCY_HEADER] = key
    unsubscribe = message.as_dict().get("unsubscribe_link")
    if unsubscribe:  # one-click unsubscribe in mail clients (RFC 8058)
        mail["List-Unsubscribe"] = f"<{unsubscribe}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(message.text())
    return mail


def _threaded(mail: EmailMessage, thread: str, *, host: str) -> None:
    """Carry the thread tag where mail clients keep it in a reply: the subject, and the
    Message-ID a reply names in In-Reply-To and References. An automatic message says so,
    so that auto-responders do not answer it (RFC 3834)."""
    mail.replace_header("Subject", f"{mail['Subject']} [ref:{thread}]")
    mail["Message-ID"] = make_msgid(idstring=thread, domain=host)
    mail["References"] = f"<{thread}@{host}>"
    mail["Auto-Submitted"] = "auto-generated"


def thread_tag(secret: str, key: str) -> str:
    """`TKT-12.` and a token only opsroom can make: a reply carrying it is taken to be about
    TKT-12 without anyone being able to forge one about another key."""
    digest = hmac.new(secret.encode(), f"thread:{key}".encode(), hashlib.sha256)
    return f"{key}.{digest.hexdigest()[:THREAD_TOKEN_LENGTH]}"


THREAD_TOKEN_LENGTH = 20
THREAD_TAG = re.compile(rf"\b([A-Z]+-\d+)\.([0-9a-f]{{{THREAD_TOKEN_LENGTH}}})\b")


def threads_named(secret: str, text: str) -> list[str]:
    """The keys whose genuine thread tags `text` carries, in order."""
    return [
        m.group(1)
        for m in THREAD_TAG.finditer(text)
        if hmac.compare_digest(thread_tag(secret, m.group(1)).encode(), m.group(0).encode())
    ]


def webhook_body(message: Sendable) -> dict[str, Any]:
    return {"event": message.event, **message.as_dict()}


def slack_body(message: Sendable) -> dict[str, Any]:
    """Slack incoming-webhook format (Mattermost and Rocket.Chat accept it too)."""
    buttons = [
        {"type": "button", "text": {"type": "plain_text", "text": label}, "url": url}
        for label, url in message.buttons()
    ]
    if isinstance(message, Message):
        buttons[0]["style"] = "primary"
    return {
        "text": message.title,
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{message.title}*\n{message.detail}".strip()},
            },
            {"type": "actions", "elements": buttons},
        ],
    }


def teams_body(message: Sendable) -> dict[str, Any]:
    """Microsoft Teams incoming-webhook MessageCard."""
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": message.title,
        "themeColor": message.theme,
        "title": message.title,
        "text": message.detail or message.summary,
        "potentialAction": [
            {"@type": "OpenUri", "name": label, "targets": [{"os": "default", "uri": url}]}
            for label, url in message.buttons()
        ],
    }


CHAT_BODIES = {Channel.WEBHOOK: webhook_body, Channel.SLACK: slack_body, Channel.TEAMS: teams_body}


def posted_body(channel: Channel, message: Sendable, key: str) -> dict[str, Any]:
    """What is posted to a webhook or chat: a webhook's own format carries the idempotency
    key in the body as well as in the header; chat services take only their own fields."""
    body = CHAT_BODIES[channel](message)
    return {**body, "idempotency_key": key} if channel is Channel.WEBHOOK else body


def signature(secret: str, body: bytes) -> str:
    """The webhook header value: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def ack_token(secret: str, *, incident: str, person: str) -> str:
    digest = hmac.new(secret.encode(), f"ack:{incident}:{person}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def ack_token_valid(secret: str, *, incident: str, person: str, token: str) -> bool:
    return hmac.compare_digest(
        ack_token(secret, incident=incident, person=person).encode(), token.encode()
    )


SMS_LENGTH = 160
# Kannel's delivery report types, each a bit of the dlr-mask a message asks for.
SMS_REPORT_MEANINGS = {
    1: "delivered to the phone",
    2: "not delivered to the phone",
    4: "queued by the operator",
    8: "accepted by the operator",
    16: "rejected by the operator",
}
SMS_REPORTS = sum(SMS_REPORT_MEANINGS)
SMS_FAILED_REPORTS = frozenset({2, 16})


def sms_text(message: Sendable) -> str:
    """The one SMS a page or notice becomes."""
    if isinstance(message, Message):
        return message.short_text()
    return clip(message.title, SMS_LENGTH)


def clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# A reply code acts for this long after its page was queued.
REPLY_CODE_LIFETIME = timedelta(hours=24)


def reply_code(secret: str, *, incident: str, person: str) -> str:
    """Four digits a person names in an SMS reply to a page; another person's page for the
    same incident has its own code, and a reply acts only on the sender's own pages."""
    digest = hmac.new(secret.encode(), f"reply:{incident}:{person}".encode(), hashlib.sha256)
    return f"{int.from_bytes(digest.digest()[:4], 'big') % 10_000:04d}"


class ReplyVerb(StrEnum):
    ACK = "acknowledge"
    ESC = "escalate"
    RES = "resolve"


@dataclass(frozen=True)
class Reply:
    verb: ReplyVerb
    code: str


REPLY = re.compile(r"\s*(ACK|ESC|RES)[A-Z]*\s+(\d{4})\s*", re.IGNORECASE)


def parse_reply(text: str) -> Reply | None:
    """`ACK 4821`, `esc 4821`, `Resolve 4821` ...; None for anything else."""
    match = REPLY.fullmatch(text)
    if match is None:
        return None
    return Reply(ReplyVerb[match[1].upper()], match[2])


def unsubscribe_token(secret: str, *, subscription: int) -> str:
    digest = hmac.new(secret.encode(), f"unsubscribe:{subscription}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def unsubscribe_token_valid(secret: str, *, subscription: int, token: str) -> bool:
    return hmac.compare_digest(
        unsubscribe_token(secret, subscription=subscription).encode(), token.encode()
    )


def gives_up(attempts: int, *, permanent: bool) -> bool:
    return permanent or RETRY.gives_up(attempts)


def permanent_status(status: int) -> bool:
    """A 4xx other than 408/429 will fail the same way every time; 5xx and timeouts may pass."""
    return 400 <= status < 500 and status not in (408, 429)
