"""Amazon SNS messages to an HTTPS subscription: what a subscription confirmation and a
notification carry, the text SNS signs for each, and the signature checked against the
signing certificate (SignatureVersion 1: SHA1withRSA; 2: SHA256withRSA), as SNS's
documentation ("Verifying the signatures of Amazon SNS messages") describes."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from opsroom.alerts.domain import ParseError
from opsroom.alerts.sources.wire import load_json

SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
CONFIRMATION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
NOTIFICATION = "Notification"
# A notification's Subject is signed when it has one.
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
SIGNED_FIELDS = {SUBSCRIPTION_CONFIRMATION: CONFIRMATION_FIELDS, NOTIFICATION: NOTIFICATION_FIELDS}
SIGNATURE_FIELDS = ("Signature", "SignatureVersion", "SigningCertURL")
SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "1": hashes.SHA1,
    "2": hashes.SHA256,
}


@dataclass(frozen=True)
class Confirmation:
    """A subscription confirmation: confirmed by fetching `subscribe_url`, once its
    signature verifies with the certificate at `certificate_url`."""

    message: Mapping[str, str]
    subscribe_url: str
    certificate_url: str
    topic_arn: str


def _signed(body: bytes, kind: str, optional: frozenset[str]) -> Mapping[str, str]:
    """The SNS message of type `kind` in `body`; ParseError naming what it lacks."""
    data: Any = load_json(body)
    if not isinstance(data, dict) or data.get("Type") != kind:
        raise ParseError(f"not an SNS {kind}", [f"Type: not {kind}"])
    wanted = [f for f in (*SIGNED_FIELDS[kind], *SIGNATURE_FIELDS) if f not in optional]
    missing = [f"{name}: required" for name in wanted if not isinstance(data.get(name), str)]
    if data.get("SignatureVersion") not in SIGNATURE_HASHES:
        missing.append("SignatureVersion: must be 1 or 2")
    if missing:
        raise ParseError(f"the SNS {kind} is incomplete", missing)
    return data


def confirmation(body: bytes) -> Confirmation:
    """The subscription confirmation in `body`; ParseError naming what it lacks."""
    data = _signed(body, SUBSCRIPTION_CONFIRMATION, frozenset())
    return Confirmation(data, data["SubscribeURL"], data["SigningCertURL"], data["TopicArn"])


def notification(body: bytes) -> Mapping[str, str]:
    """The notification in `body`, its Subject optional; ParseError naming what it lacks."""
    return _signed(body, NOTIFICATION, frozenset({"Subject"}))


def looks_signed(body: bytes) -> bool:
    """Whether `body` may be an SNS message, whatever its headers say: one that names a
    signing certificate must verify. A byte search, so other webhooks pay nothing for it."""
    return b'"SigningCertURL"' in body


def signed_text(message: Mapping[str, str]) -> bytes:
    """What SNS signs: each signed field's name and value, a line each, in this order."""
    fields = SIGNED_FIELDS[message["Type"]]
    return "".join(f"{name}\n{message[name]}\n" for name in fields if name in message).encode()


def verify(message: Mapping[str, str], certificate_pem: bytes) -> None:
    """ParseError unless the message's signature verifies with the certificate's key."""
    try:
        key = x509.load_pem_x509_certificate(certificate_pem).public_key()
        signature = base64.b64decode(message["Signature"], validate=True)
    except (ValueError, binascii.Error):
        raise _unverified("the signing certificate or the signature cannot be read") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise _unverified("the signing certificate does not hold an RSA key")
    algorithm = SIGNATURE_HASHES[message["SignatureVersion"]]()
    try:
        key.verify(signature, signed_text(message), padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        raise _unverified("the signature does not verify with the signing certificate") from None


def _unverified(problem: str) -> ParseError:
    return ParseError(f"the SNS message is refused: {problem}", [f"Signature: {problem}"])
