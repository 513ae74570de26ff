"""The generic webhook: webhook types listed, previewed and added through the API (422
naming the field), an integration reading a tool's webhooks with its type, and what the
type cannot read kept raw and reported on the integration's page, never a 500."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from opsroom.alerts import reports, webhooks
from opsroom.alerts import service as alerts
from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.intake_worker import drain
from tests.api.conftest import created
from tests.conftest import ADMIN, bearer_for, client_as

WEBHOOK = "/api/v1/ingest/webhook"
PREVIEW = "/alerts/integrations/zbx/preview"
CHECKMK = {
    "fields": {"summary": "event.title", "severity": "event.level", "fingerprint": "event.id"},
    "sample": {"event": {"id": "e-1", "title": "Disk full on db-1", "level": "critical"}},
}


@pytest.fixture
def key(catalog_client: TestClient) -> str:
    body = {
        "slug": "zbx",
        "name": "Zabbix",
        "service": "db",
        "settings": {"webhook_type": "zabbix"},
    }
    return str(created(catalog_client, "/api/v1/integrations", body)["key"])


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def sample(slug: str) -> Any:
    return webhooks.shipped()[slug].sample


def drained(settings: Settings) -> list[tuple[str, str, str | None]]:
    drain(settings, wait=True)
    with session_scope(settings) as s:
        found = reports.search(s, actor=ADMIN, limit=50).items
        return [(a.summary, a.status, a.service_slug) for a in found]


def test_the_shipped_types_are_listed_and_shown(client: TestClient) -> None:
    listed = client.get("/api/v1/webhook-types").json()
    assert {"zabbix", "grafana", "cloudwatch-sns", "seceon-aisiem"} <= {t["slug"] for t in listed}
    assert all(t["shipped"] for t in listed)
    shown = client.get("/api/v1/webhook-types/uptime-kuma").json()
    assert shown["fields"]["summary"] == "msg" and shown["sample"]["monitor"]["id"] == 12
    assert client.get("/api/v1/webhook-types/nope").status_code == 404


def test_a_template_is_previewed_against_a_sample(client: TestClient) -> None:
    response = client.post("/api/v1/webhook-types/preview", json=CHECKMK)
    assert response.status_code == 200, response.text
    [alert] = response.json()
    assert (alert["summary"], alert["severity"], alert["fingerprint"]) == (
        "Disk full on db-1",
        "critical",
        "e-1",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"summary": "event.title["}, "fields.summary"),
        ({"severity": "event.level"}, "fields.summary"),
        ({"summary": "event.name"}, "fields.summary"),
        ({"summary": "event.title", "colour": "x"}, "fields.colour"),
        ({"summary": "event.title", "labels": "join(',', event.title)"}, "fields.labels"),
    ],
)
def test_a_template_that_does_not_fit_is_refused_naming_the_field(
    client: TestClient, fields: dict[str, str], field: str
) -> None:
    body = {**CHECKMK, "fields": fields}
    preview = client.post("/api/v1/webhook-types/preview", json=body)
    assert preview.status_code == 422, preview.text
    assert field in preview.json()["error"]["fields"]
    saved = client.post("/api/v1/webhook-types", json={**body, "slug": "checkmk", "name": "Mk"})
    assert saved.status_code == 422 and field in saved.json()["error"]["fields"]
    assert client.get("/api/v1/webhook-types/checkmk").status_code == 404


def test_a_user_adds_a_type_without_code(client: TestClient, settings: Settings) -> None:
    added = created(client, "/api/v1/webhook-types", {**CHECKMK, "slug": "checkmk", "name": "Mk"})
    assert (added["slug"], added["shipped"]) == ("checkmk", False)
    assert "checkmk" in {t["slug"] for t in client.get("/api/v1/webhook-types").json()}
    for taken in ("checkmk", "zabbix"):
        again = client.post("/api/v1/webhook-types", json={**CHECKMK, "slug": taken, "name": "Xx"})
        assert again.status_code == 409 and again.json()["error"]["fields"] == {"slug": "taken"}
    responder = bearer_for(settings, "r@example.com", Role.RESPONDER)
    with client_as(settings, responder) as someone:
        body = {**CHECKMK, "slug": "other", "name": "Other"}
        assert someone.post("/api/v1/webhook-types", json=body).status_code == 403


def test_an_integration_names_only_a_type_that_exists(catalog_client: TestClient) -> None:
    body = {"slug": "xx", "name": "Xx", "service": "db", "settings": {"webhook_type": "nope"}}
    response = catalog_client.post("/api/v1/integrations", json=body)
    assert response.status_code == 422
    assert "settings.webhook_type" in response.json()["error"]["fields"]
    assert catalog_client.get("/api/v1/integrations/xx").status_code == 404


def test_a_tools_webhook_becomes_alerts_and_an_incident(
    anonymous: TestClient, catalog_client: TestClient, key: str, settings: Settings
) -> None:
    response = anonymous.post(WEBHOOK, json=sample("zabbix"), headers=bearer(key))
    assert (response.status_code, response.json()) == (202, {"status": "accepted"})
    recovered = {**sample("zabbix"), "event_value": "0"}
    assert anonymous.post(WEBHOOK, json=recovered, headers=bearer(key)).status_code == 202
    assert drained(settings) == [
        ("High CPU utilization (over 90% for 5m) on db-01", "resolved", "db")
    ]
    incident = catalog_client.get("/api/v1/incidents/INC-1").json()
    assert (incident["source"], incident["status"]) == ("integration:zbx", "resolved")


def test_a_payload_the_type_cannot_read_is_kept_raw_and_reported(
    anonymous: TestClient, catalog_client: TestClient, key: str, settings: Settings
) -> None:
    response = anonymous.post(WEBHOOK, json={"unexpected": True}, headers=bearer(key))
    assert response.status_code == 202
    assert drained(settings) == []
    with session_scope(settings) as s:
        assert alerts.raw_payload_count(s, integration="zbx") == 1
        [unread] = webhooks.unread(s, "zbx")
    assert "summary" in unread.problem and '"unexpected"' in unread.body
    page = catalog_client.get("/alerts/integrations/zbx")
    assert page.status_code == 200 and "the template maps this payload to no summary" in page.text


def test_an_integration_without_a_type_keeps_its_webhooks_raw(
    anonymous: TestClient, catalog_client: TestClient, settings: Settings
) -> None:
    body = {"slug": "bare", "name": "Bare", "service": "db"}
    key = str(created(catalog_client, "/api/v1/integrations", body)["key"])
    assert anonymous.post(WEBHOOK, json=sample("zabbix"), headers=bearer(key)).status_code == 202
    assert drained(settings) == []
    with session_scope(settings) as s:
        [unread] = webhooks.unread(s, "bare")
    assert "no webhook type" in unread.problem


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [(b"{not json", None, 400), (b"{}", {}, 401), (b"[1]", {"Authorization": "Bearer x"}, 401)],
)
def test_webhook_refusals_store_nothing(
    anonymous: TestClient,
    key: str,
    settings: Settings,
    body: bytes,
    headers: dict[str, str] | None,
    status: int,
) -> None:
    sent = bearer(key) if headers is None else headers
    assert anonymous.post(WEBHOOK, content=body, headers=sent).status_code == status
    assert drained(settings) == []
    with session_scope(settings) as s:
        assert alerts.raw_payload_count(s) == 0


def post(client: TestClient, path: str, data: dict[str, str]) -> Response:
    return client.post(path, data=data, headers={"Accept": "text/html"}, follow_redirects=False)


def test_the_integration_page_previews_a_pasted_payload(
    catalog_client: TestClient, key: str
) -> None:
    page = catalog_client.get("/alerts/integrations/zbx")
    assert "High CPU utilization" in page.text  # the type's sample, ready to try
    form = {"webhook_type": "zabbix"}
    recovered = orjson.dumps({**sample("zabbix"), "event_value": "0"}).decode()
    previewed = post(catalog_client, PREVIEW, {**form, "sample": recovered})
    assert previewed.status_code == 200 and 'id="preview"' in previewed.text
    assert "<td>resolved</td>" in previewed.text
    refused = post(catalog_client, PREVIEW, {**form, "sample": '{"event_value": "1"}'})
    assert refused.status_code == 422
    assert "summary: the template maps this payload to no summary" in refused.text
    not_json = post(catalog_client, PREVIEW, {**form, "sample": "{"})
    assert not_json.status_code == 422 and "sample:" in not_json.text
    no_type = post(catalog_client, PREVIEW, {"webhook_type": "nope", "sample": "{}"})
    assert no_type.status_code == 422 and "no such webhook type" in no_type.text


def test_the_webhook_types_page_adds_a_type(client: TestClient) -> None:
    page = client.get("/alerts/webhook-types")
    assert page.status_code == 200 and "Uptime Kuma" in page.text
    form = {
        "slug": "checkmk",
        "name": "Checkmk",
        "fields": "summary: event.title\nseverity: event.level",
        "sample": '{"event": {"title": "Disk full", "level": "critical"}}',
    }
    refused = post(client, "/alerts/webhook-types", {**form, "fields": "summary: event.nope"})
    assert refused.status_code == 422 and "fields.summary" in refused.text
    bad_yaml = post(client, "/alerts/webhook-types", {**form, "fields": "summary: [x"})
    assert bad_yaml.status_code == 422 and "fields:" in bad_yaml.text
    saved = post(client, "/alerts/webhook-types", form)
    assert saved.status_code == 303 and saved.headers["location"] == "/alerts/webhook-types/checkmk"
    shown = client.get("/alerts/webhook-types/checkmk")
    assert "event.title" in shown.text and "Added by a user" in shown.text
