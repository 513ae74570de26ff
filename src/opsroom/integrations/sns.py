"""Amazon SNS at the webhook endpoint. A subscription is confirmed once its signature
verifies with the signing certificate, and only then is the subscribe URL fetched; every
notification's signature is verified before it is kept. Both addresses must be SNS's own
(`sns_url_pattern`), so a forged message cannot make opsroom fetch anything else."""

from __future__ import annotations

import re
from functools import lru_cache

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
    sns.verify(found.message, certificate(found.certificate_url))
    _fetched("SubscribeURL", found.subscribe_url)
    return found.topic_arn


def verify_notification(settings: Settings, body: bytes) -> None:
    """ParseError, naming the field, unless `body` is an SNS notification whose signature
    verifies with SNS's own signing certificate."""
    message = sns.notification(body)
    _require_sns(settings, "SigningCertURL", message["SigningCertURL"])
    sns.verify(message, certificate(message["SigningCertURL"]))


# SNS signs with a handful of certificates that change rarely: each is fetched once.
@lru_cache(maxsize=16)
def certificate(url: str) -> bytes:
    return _fetched("SigningCertURL", url)


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
