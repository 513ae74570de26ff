"""Hand a message to the world: SMTP for email, HTTP POST for webhooks and chat, Kannel's
sendsms interface for SMS (Twilio's Messages API when Kannel cannot be reached), Twilio's
Calls API for voice, Apprise for push."""

from __future__ import annotations

import logging
import smtplib
import ssl
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import quote

import orjson

from opsroom.infra.config import Settings
from opsroom.notify import domain, twiml
from opsroom.notify.domain import Channel, Sendable

if TYPE_CHECKING:
    import httpx

TIMEOUT_SECONDS = 10.0
log = logging.getLogger(__name__)


@cache
def _http() -> httpx.Client:
    """One pooled client per process: building one (its TLS context) costs more than a post."""
    import httpx  # loaded by the first post, not when the worker starts

    return httpx.Client(timeout=TIMEOUT_SECONDS)


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


def send(
    settings: Settings,
    channel: Channel,
    address: str,
    message: Sendable,
    *,
    delivery: int,
    key: str,
) -> None:
    """Send one outbox row's message (`delivery` is its id, which receipts name; `key` its
    idempotency key, the same on every attempt)."""
    if channel is Channel.EMAIL:
        send_email(settings, address, message, key=key)
    elif channel is Channel.SMS:
        send_sms(settings, address, message, delivery=delivery, key=key)
    elif channel is Channel.VOICE:
        _twilio(settings, "Calls", _call(settings, address, message, delivery))
    elif channel is Channel.PUSH:
        send_push(address, message)
    else:
        post_json(settings, channel, address, message, key=key)


def send_sms(
    settings: Settings, number: str, message: Sendable, *, delivery: int, key: str
) -> None:
    """Through Kannel; through Twilio when no gateway is configured, or when the gateway
    cannot take it now (down, overloaded) and Twilio is configured."""
    if settings.sms_gateway_url:
        try:
            send_kannel(settings, number, message, delivery=delivery, key=key)
            return
        except DeliveryFailed as failure:
            if failure.permanent or not settings.twilio_account_sid:
                raise
            log.warning("SMS gateway failed (%s): sending delivery %d by Twilio", failure, delivery)
    if not settings.twilio_account_sid:
        raise DeliveryFailed(
            "no SMS gateway is configured (OPSROOM_SMS_GATEWAY_URL or OPSROOM_TWILIO_*)",
            permanent=True,
        )
    body = {"To": number, "Body": domain.sms_text(message)}
    callback = _callback(settings, "status", delivery)
    _twilio(settings, "Messages", {**body, "StatusCallback": callback})


def send_kannel(
    settings: Settings, number: str, message: Sendable, *, delivery: int, key: str
) -> None:
    """Submit to Kannel's sendsms; it asks for every delivery report (dlr-mask 31) at the
    receipt URL, which names the outbox row and carries the shared secret."""
    import httpx

    password = settings.sms_gateway_password
    query = {
        "username": settings.sms_gateway_username,
        "password": password.get_secret_value() if password else "",
        "from": settings.sms_sender,
        "to": number,
        "text": domain.sms_text(message),
        "charset": "UTF-8",
        "coding": "0",
        "dlr-mask": str(domain.SMS_REPORTS),
        "dlr-url": _receipt_url(settings, delivery),
    }
    try:
        headers = {domain.IDEMPOTENCY_HEADER: key}
        response = _http().get(settings.sms_gateway_url or "", params=query, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=False) from exc
    if response.status_code >= 300:
        raise DeliveryFailed(
            f"SMS gateway HTTP {response.status_code}: {response.text[:200]}",
            permanent=domain.permanent_status(response.status_code),
        )


def _receipt_url(settings: Settings, delivery: int) -> str:
    secret = settings.sms_inbound_secret.get_secret_value() if settings.sms_inbound_secret else ""
    base = settings.base_url.rstrip("/")
    # %d is Kannel's placeholder for the report's type, filled in when it calls back
    return f"{base}/api/v1/paging/sms/receipts?delivery={delivery}&report=%d&secret={quote(secret)}"


def _call(settings: Settings, number: str, message: Sendable, delivery: int) -> dict[str, str]:
    keypress = _callback(settings, "keypress", delivery)
    return {"To": number, "Twiml": twiml.call(message, keypress_url=keypress)}


def _callback(settings: Settings, what: str, delivery: int) -> str:
    """Where Twilio calls back about an outbox row (signed with the auth token)."""
    return f"{settings.base_url.rstrip('/')}/api/v1/paging/twilio/{what}?delivery={delivery}"


def _twilio(settings: Settings, resource: str, form: dict[str, str]) -> None:
    """Create a Message or a Call through Twilio's REST API (form-encoded, basic auth)."""
    import httpx

    sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    if not sid or token is None or not settings.twilio_from:
        raise DeliveryFailed("Twilio is not configured (OPSROOM_TWILIO_*)", permanent=True)
    url = f"{settings.twilio_api_url.rstrip('/')}/2010-04-01/Accounts/{sid}/{resource}.json"
    try:
        response = _http().post(
            url, data={"From": settings.twilio_from, **form}, auth=(sid, token.get_secret_value())
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=False) from exc
    if response.status_code >= 300:
        raise DeliveryFailed(
            f"Twilio HTTP {response.status_code}: {response.text[:200]}",
            permanent=domain.permanent_status(response.status_code),
        )


def send_push(url: str, message: Sendable) -> None:
    """Through Apprise, to the push service its URL names (ntfy, Pushover, Telegram ...)."""
    import apprise

    service = apprise.Apprise()
    if not service.add(url):
        raise DeliveryFailed("not a push service Apprise knows", permanent=True)
    if not service.notify(title=message.title, body=message.text()):
        raise DeliveryFailed("the push service refused or could not be reached", permanent=False)


def send_email(settings: Settings, to: str, message: Sendable, *, key: str) -> None:
    mail = domain.email(message, sender=settings.smtp_from, to=to, key=key)
    try:
        with _smtp(settings) as smtp:
            if settings.smtp_username:
                password = (
                    settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                )
                smtp.login(settings.smtp_username, password)
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryFailed(f"recipient refused: {exc}", permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=False) from exc


def _smtp(settings: Settings) -> smtplib.SMTP:
    host, port = settings.smtp_host, settings.smtp_port
    if settings.smtp_security == "ssl":
        return smtplib.SMTP_SSL(
            host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    smtp = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
    if settings.smtp_security == "starttls":
        smtp.starttls(context=ssl.create_default_context())
    return smtp


def post_json(
    settings: Settings, channel: Channel, url: str, message: Sendable, *, key: str
) -> None:
    import httpx

    body = orjson.dumps(domain.posted_body(channel, message, key))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "opsroom",
        domain.IDEMPOTENCY_HEADER: key,
    }
    if channel is Channel.WEBHOOK:
        headers[domain.SIGNATURE_HEADER] = domain.signature(
            settings.signing_secret.get_secret_value(), body
        )
    try:
        response = _http().post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=False) from exc
    if response.status_code >= 300:
        raise DeliveryFailed(
            f"HTTP {response.status_code}: {response.text[:200]}",
            permanent=domain.permanent_status(response.status_code),
        )
