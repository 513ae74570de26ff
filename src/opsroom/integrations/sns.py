"""Confirming an Amazon SNS subscription to the webhook endpoint: the signing certificate
is fetched, the confirmation's signature checked against it, and only then the subscribe
URL fetched. Both addresses must be SNS's own (`sns_url_pattern`), so a forged
confirmation cannot make opsroom fetch anything else."""

from __future__ import annotations

import re

import httpx

from opsroom.alerts.domain import ParseError
from opsroom.alerts.sources import sns
from opsroom.infra.config import Settings

FETCH_SECONDS = 10.0


def confirm(settings: Settings, body: bytes) -> str:
    """Confirm the subscription `body` asks for; the topic it subscribes to. ParseError,
    naming the field, when it is incomplete, points elsewhere than SNS, or does not verify."""
    found = sns.confirmation(body)
    _require_sns(settings, "SigningCertURL", found.certificate_url)
    _require_sns(settings, "SubscribeURL", found.subscribe_url)
    sns.verify(found.message, _fetched("SigningCertURL", found.certificate_url))
    _fetched("SubscribeURL", found.subscribe_url)
    return found.topic_arn


def _require_sns(settings: Settings, field: str, url: str) -> None:
    if not re.match(settings.sns_url_pattern, url):
        problem = f"{field}: not an Amazon SNS address"
        raise ParseError(f"the SNS message is refused: {problem}", [problem])


def _fetched(field: str, url: str) -> bytes:
    try:
        response = httpx.get(url, timeout=FETCH_SECONDS)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        problem = f"{field}: could not be fetched ({exc})"
        raise ParseError(f"the SNS message is refused: {problem}", [problem]) from None
    return response.content
