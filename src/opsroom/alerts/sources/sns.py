"""Amazon SNS messages to an HTTPS subscription: what a subscription confirmation carries,
the text SNS signs, and its signature checked against the signing certificate
(SignatureVersion 1: SHA1withRSA; 2: SHA256withRSA), as SNS's documentation describes."""

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


def confirmation(body: bytes) -> Confirmation:
    """The subscription confirmation in `body`; ParseError naming what it lacks."""
    data: Any = load_json(body)
    if not isinstance(data, dict) or data.get("Type") != SUBSCRIPTION_CONFIRMATION:
        raise ParseError(
            "not an SNS subscription confirmation", ["Type: not SubscriptionConfirmation"]
        )
    wanted = (*CONFIRMATION_FIELDS, "Signature", "SignatureVersion", "SigningCertURL")
    missing = [f"{name}: required" for name in wanted if not isinstance(data.get(name), str)]
    if data.get("SignatureVersion") not in SIGNATURE_HASHES:
        missing.append("SignatureVersion: must be 1 or 2")
    if missing:
        raise ParseError("the SNS subscription confirmation is incomplete", missing)
    return Confirmation(data, data["SubscribeURL"], data["SigningCertURL"], data["TopicArn"])


def signed_text(message: Mapping[str, str]) -> bytes:
    """What SNS signs: each signed field's name and value, a line each, in this order."""
    return "".join(f"{name}\n{message[name]}\n" for name in CONFIRMATION_FIELDS).encode()


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
