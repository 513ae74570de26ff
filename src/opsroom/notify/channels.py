"""Hand a message to the world: SMTP for email, HTTP POST for webhooks and chat."""

from __future__ import annotations

import smtplib
import ssl
from functools import cache
from typing import TYPE_CHECKING

import orjson

from opsroom.infra.config import Settings
from opsroom.notify import domain
from opsroom.notify.domain import Channel, Sendable

if TYPE_CHECKING:
    import httpx

TIMEOUT_SECONDS = 10.0


@cache
def _http() -> httpx.Client:
    """One pooled client per process: building one (its TLS context) costs more than a post."""
    import httpx  # loaded by the first post, not when the worker starts

    return httpx.Client(timeout=TIMEOUT_SECONDS)


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


def send(settings: Settings, channel: Channel, address: str, message: Sendable) -> None:
    if channel is Channel.EMAIL:
        send_email(settings, address, message)
    else:
        post_json(settings, channel, address, message)


def send_email(settings: Settings, to: str, message: Sendable) -> None:
    mail = domain.email(message, sender=settings.smtp_from, to=to)
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


def post_json(settings: Settings, channel: Channel, url: str, message: Sendable) -> None:
    import httpx

    body = orjson.dumps(domain.CHAT_BODIES[channel](message))
    headers = {"Content-Type": "application/json", "User-Agent": "opsroom"}
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
