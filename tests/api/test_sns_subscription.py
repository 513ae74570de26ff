"""Amazon SNS at an integration's webhook: opsroom fetches the signing certificate, checks
a subscription confirmation's signature with it, and only then fetches the subscribe URL;
every notification's signature is checked the same way before it is kept. A throw-away CA
and signing certificate stand in for Amazon's, served by a local server that records what
opsroom fetched."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient

from opsroom.alerts import service as alerts
from opsroom.alerts import webhooks
from opsroom.alerts.sources import sns
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.integrations import sns as sns_subscriptions
from tests.api.conftest import created
from tests.conftest import client_as
from tests.servers import serving

WEBHOOK = "/api/v1/ingest/webhook"
CONFIRMING = {"x-amz-sns-message-type": "SubscriptionConfirmation"}
NOTIFYING = {"x-amz-sns-message-type": "Notification"}
SHIPPED_SAMPLE = webhooks.shipped()["cloudwatch-sns"].sample


def _certificate(subject: str, key: rsa.RSAPrivateKey, issuer: x509.Name, signer: Any) -> bytes:
    now = clock.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(signer, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class FakeSns:
    """What a local stand-in for SNS served, and the key its certificate holds."""

    url: str
    key: rsa.RSAPrivateKey
    fetched: list[str] = field(default_factory=list)

    def confirmation(self, version: str = "2", **changes: str) -> dict[str, str]:
        message = {
            "Type": "SubscriptionConfirmation",
            "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
            "Token": "2336412f37fb687f5d51e6e2425c464de12884",
            "TopicArn": "arn:aws:sns:eu-west-1:123456789012:opsroom-alarms",
            "Message": "You have chosen to subscribe to the topic opsroom-alarms.",
            "SubscribeURL": f"{self.url}/?Action=ConfirmSubscription&Token=2336412f37fb",
            "Timestamp": "2026-11-02T08:59:00.000Z",
            "SignatureVersion": version,
            "SigningCertURL": f"{self.url}/SimpleNotificationService-test.pem",
            **changes,
        }
        return self.signed(message, version)

    def notification(self, version: str = "1", **changes: str) -> dict[str, str]:
        """CloudWatch's alarm as SNS delivers it, signed."""
        message = {
            **{k: v for k, v in SHIPPED_SAMPLE.items() if k not in sns.SIGNATURE_FIELDS},
            "SignatureVersion": version,
            "SigningCertURL": f"{self.url}/SimpleNotificationService-test.pem",
            **changes,
        }
        return self.signed(message, version)

    def signed(self, message: dict[str, str], version: str) -> dict[str, str]:
        algorithm = sns.SIGNATURE_HASHES[version]()
        signature = self.key.sign(sns.signed_text(message), padding.PKCS1v15(), algorithm)
        return {**message, "Signature": base64.b64encode(signature).decode()}


@pytest.fixture
def fake_sns() -> Iterator[FakeSns]:
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Throw-away test CA")])
    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = _certificate("sns.test", signing_key, ca_name, ca_key)
    app = FastAPI()
    seen: list[str] = []

    @app.get("/{path:path}")
    def served(request: Request, path: str) -> Response:
        seen.append(str(request.url.path) + ("?" + request.url.query if request.url.query else ""))
        if path.endswith(".pem"):
            return Response(pem, media_type="application/x-pem-file")
        return Response("<ConfirmSubscriptionResponse/>", media_type="text/xml")

    sns_subscriptions.certificate.cache_clear()  # each test's server signs with its own key
    with serving(app) as url:
        yield FakeSns(url, signing_key, seen)


@pytest.fixture
def sender(settings: Settings) -> Iterator[TestClient]:
    """A client with no account, to an opsroom that takes the local server for SNS."""
    local = settings.model_copy(update={"sns_url_pattern": r"^http://127\.0\.0\.1:\d+/"})
    with client_as(local, None) as c:
        yield c


@pytest.fixture
def basic(catalog_client: TestClient) -> dict[str, str]:
    """An integration's key as SNS sends it: https://opsroom:<key>@host/... (basic auth)."""
    body = {"slug": "aws", "name": "AWS", "settings": {"webhook_type": "cloudwatch-sns"}}
    key = created(catalog_client, "/api/v1/integrations", body)["key"]
    return {"Authorization": "Basic " + base64.b64encode(f"opsroom:{key}".encode()).decode()}


def post(
    sender: TestClient,
    headers: dict[str, str],
    message: dict[str, str],
    kind: dict[str, str] = CONFIRMING,
) -> Any:
    return sender.post(WEBHOOK, content=orjson.dumps(message), headers={**kind, **headers})


def nothing_stored(settings: Settings) -> bool:
    with session_scope(settings) as s:
        return alerts.raw_payload_count(s) == 0 and alerts.intake_waiting(s) == 0


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_confirmation_is_confirmed(
    sender: TestClient, fake_sns: FakeSns, basic: dict[str, str], settings: Settings, version: str
) -> None:
    response = post(sender, basic, fake_sns.confirmation(version))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "confirmed",
        "topic": "arn:aws:sns:eu-west-1:123456789012:opsroom-alarms",
    }
    assert fake_sns.fetched == [
        "/SimpleNotificationService-test.pem",
        "/?Action=ConfirmSubscription&Token=2336412f37fb",
    ]
    assert nothing_stored(settings)


def test_a_forged_signature_confirms_nothing(
    sender: TestClient, fake_sns: FakeSns, basic: dict[str, str], settings: Settings
) -> None:
    forged = {**fake_sns.confirmation(), "Token": "another-token"}  # signed text changed
    response = post(sender, basic, forged)
    assert response.status_code == 400
    assert "does not verify" in response.json()["error"]["fields"]["Signature"]
    assert fake_sns.fetched == ["/SimpleNotificationService-test.pem"]  # never subscribed
    assert nothing_stored(settings)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"SubscribeURL": "http://10.0.0.1/steal"}, "SubscribeURL"),
        ({"SigningCertURL": "https://example.com/cert.pem"}, "SigningCertURL"),
        ({"SignatureVersion": "3"}, "SignatureVersion"),
    ],
)
def test_a_confirmation_pointing_elsewhere_fetches_nothing(
    sender: TestClient,
    fake_sns: FakeSns,
    basic: dict[str, str],
    changes: dict[str, str],
    field: str,
) -> None:
    message = {**fake_sns.confirmation(), **changes}
    response = post(sender, basic, message)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert fake_sns.fetched == []


def test_a_confirmation_needs_the_integration_key(sender: TestClient, fake_sns: FakeSns) -> None:
    wrong = {"Authorization": "Basic " + base64.b64encode(b"opsroom:nope").decode()}
    assert post(sender, wrong, fake_sns.confirmation()).status_code == 401
    assert post(sender, {}, fake_sns.confirmation()).status_code == 401
    assert fake_sns.fetched == []


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_notification_is_kept_its_certificate_fetched_once(
    sender: TestClient, fake_sns: FakeSns, basic: dict[str, str], settings: Settings, version: str
) -> None:
    first = post(sender, basic, fake_sns.notification(version), NOTIFYING)
    assert first.status_code == 202, first.text
    untitled = {k: v for k, v in fake_sns.notification(version).items() if k != "Subject"}
    again = post(sender, basic, fake_sns.signed(untitled, version), NOTIFYING)
    assert again.status_code == 202, again.text
    assert fake_sns.fetched == ["/SimpleNotificationService-test.pem"]
    with session_scope(settings) as s:
        assert alerts.intake_waiting(s) == 2


@pytest.mark.parametrize(
    ("message", "kind", "field"),
    [
        ({"Message": '{"AlarmName": "forged"}'}, NOTIFYING, "Signature"),  # signed text changed
        ({"Message": '{"AlarmName": "forged"}'}, {}, "Signature"),  # without SNS's header too
        ({"SigningCertURL": "https://example.com/cert.pem"}, NOTIFYING, "SigningCertURL"),
        ({"SignatureVersion": "3"}, NOTIFYING, "SignatureVersion"),
        ({"Signature": "not base64!"}, NOTIFYING, "Signature"),
    ],
)
def test_a_notification_that_does_not_verify_is_refused_and_nothing_kept(
    sender: TestClient,
    fake_sns: FakeSns,
    basic: dict[str, str],
    settings: Settings,
    message: dict[str, str],
    kind: dict[str, str],
    field: str,
) -> None:
    response = post(sender, basic, {**fake_sns.notification(), **message}, kind)
    assert response.status_code == 403
    assert field in response.json()["error"]["fields"]
    assert nothing_stored(settings)


def test_a_notification_without_its_signature_is_refused(
    sender: TestClient, fake_sns: FakeSns, basic: dict[str, str], settings: Settings
) -> None:
    unsigned = {k: v for k, v in SHIPPED_SAMPLE.items() if k not in sns.SIGNATURE_FIELDS}
    response = post(sender, basic, unsigned, NOTIFYING)
    assert response.status_code == 403
    assert set(response.json()["error"]["fields"]) == set(sns.SIGNATURE_FIELDS)
    assert fake_sns.fetched == []
    assert nothing_stored(settings)
