"""The alert pages: noise figures and the alert list, integrations with the config to paste
into each sender, and silences and maintenance windows — what the forms save, and how they
refuse without saving anything."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from fastapi.testclient import TestClient
from httpx import Response

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.runtime.intake_worker import drain
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

HTML = {"Accept": "text/html"}
EVENTS = "/api/v1/ingest/events"


def post(client: TestClient, path: str, data: dict[str, Any]) -> Response:
    return client.post(path, data=data, headers=HTML, follow_redirects=False)


def page_text(response: Response) -> str:
    """The page's visible text, tags dropped and whitespace folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def results(response: Response) -> str:
    """The alert list itself, without the rest of the page (a major-incident banner, say)."""
    start = response.text.index('<div id="alert-results"')
    return page_text(Response(200, text=response.text[start:]))


def field_errors(html: str) -> list[str]:
    return [unescape(e) for e in re.findall(r'class="field-error"[^>]*>([^<]*)<', html)]


def snippet(html: str, language: str) -> str:
    found = re.search(rf'data-language="{language}"><code>(.*?)</code>', html, re.S)
    assert found, f"no {language} snippet"
    return unescape(found.group(1))


def local_input(delta: timedelta, settings: Settings) -> str:
    """What a datetime-local field holds for now + delta, in the configured time zone."""
    moment = (clock.now() + delta).astimezone(ZoneInfo(settings.timezone))
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def integration(catalog_client: TestClient) -> str:
    made = created(catalog_client, "/api/v1/integrations", {"slug": "prom", "name": "Prometheus"})
    return str(made["key"])


def send(client: TestClient, key: str, events: list[dict[str, Any]]) -> None:
    response = client.post(EVENTS, json=events, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 202, response.text
    drain(client.app.state.settings, wait=True)


def disk_alert(instance: str, service: str = "db") -> dict[str, Any]:
    return {
        "summary": f"Disk full on {instance}",
        "severity": "critical",
        "service": service,
        "labels": {"alertname": "DiskFull", "instance": instance},
    }


# --- the list and the noise figures -------------------------------------------------------


def test_alert_list_shows_alerts_and_noise(catalog_client: TestClient, integration: str) -> None:
    send(catalog_client, integration, [disk_alert("db-1"), disk_alert("db-1"), disk_alert("db-2")])
    page = catalog_client.get("/alerts", headers=HTML)
    assert page.status_code == 200
    text = page_text(page)
    assert "Disk full on db-1" in text and "Disk full on db-2" in text
    # By integration: 3 received, 2 alerts, 1 folded repeat, nothing suppressed, 1 incident.
    assert re.search(r"prom 3 2 1 0 1 66\.7 %", text), text


def test_alert_list_filters(catalog_client: TestClient, integration: str) -> None:
    send(catalog_client, integration, [disk_alert("db-1"), disk_alert("auth-1", service="auth")])
    text = results(catalog_client.get("/alerts?service=auth", headers=HTML))
    assert "Disk full on auth-1" in text and "Disk full on db-1" not in text
    empty = results(catalog_client.get("/alerts?status=resolved", headers=HTML))
    assert "No alerts match these filters" in empty


def test_alert_list_refuses_an_unknown_period(catalog_client: TestClient) -> None:
    response = catalog_client.get("/alerts?period=1y", headers=HTML)
    assert response.status_code == 422
    assert "period" in page_text(response)


# --- integrations -------------------------------------------------------------------------


def test_creating_an_integration_shows_its_key_once_in_paste_ready_config(
    catalog_client: TestClient, settings: Settings
) -> None:
    response = post(
        catalog_client,
        "/alerts/integrations",
        {"name": "Prometheus", "slug": "prom", "service": "db"},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/alerts/integrations/prom"
    response = catalog_client.get("/alerts/integrations/prom", headers=HTML)
    key = re.search(r'<code class="secret">([^<]+)</code>', response.text)
    assert key, "the new key is not shown"
    config = yaml.safe_load(snippet(response.text, "yaml"))
    webhook = config["receivers"][0]["webhook_configs"][0]
    assert webhook["url"] == f"{settings.base_url}/api/v1/ingest/alertmanager"
    assert webhook["http_config"]["authorization"] == {"type": "Bearer", "credentials": key[1]}
    assert config["route"]["receiver"] == config["receivers"][0]["name"]
    assert f"Authorization: Bearer {key[1]}" in snippet(response.text, "shell")
    # The key works, and reloading the page no longer shows it.
    send(catalog_client, key[1], [disk_alert("db-1")])
    later = catalog_client.get("/alerts/integrations/prom", headers=HTML)
    assert key[1] not in later.text and "&lt;integration key&gt;" in later.text


def test_creating_an_integration_refuses_bad_fields_and_saves_nothing(
    catalog_client: TestClient,
) -> None:
    response = post(
        catalog_client, "/alerts/integrations", {"name": "P", "slug": "Not A Slug", "service": ""}
    )
    assert response.status_code == 422
    assert len(field_errors(response.text)) == 2
    assert catalog_client.get("/api/v1/integrations").json() == []


def test_an_unknown_service_is_named_on_the_form(catalog_client: TestClient) -> None:
    response = post(
        catalog_client, "/alerts/integrations", {"name": "Prom", "slug": "prom", "service": "nope"}
    )
    assert response.status_code in (404, 422)
    assert "nope" in page_text(response)
    assert catalog_client.get("/api/v1/integrations").json() == []


def test_rotating_shows_a_new_key_and_the_old_one_stops(
    catalog_client: TestClient, integration: str
) -> None:
    rotated = post(catalog_client, "/alerts/integrations/prom/rotate", {})
    assert rotated.status_code == 303
    response = catalog_client.get("/alerts/integrations/prom", headers=HTML)
    new_key = re.search(r'<code class="secret">([^<]+)</code>', response.text)
    assert new_key and new_key[1] != integration
    refused = catalog_client.post(
        EVENTS, json=disk_alert("db-1"), headers={"Authorization": f"Bearer {integration}"}
    )
    assert refused.status_code == 401


def test_settings_form_saves_grouping_and_urgency(
    catalog_client: TestClient, integration: str
) -> None:
    form = {
        "version": "1",
        "group_by": "alertname, cluster",
        "grouping_window_minutes": "30",
        "alerts_to_open": "2",
        "auto_resolve": "false",
        "reopen_window_minutes": "60",
        "route_label": "service",
        "raw_retention_days": "7",
        "rate_limit_per_minute": "120",
        "urgency_warning": "1",
        "urgency_info": "",
        "webhook_type": "grafana",
    }
    response = post(catalog_client, "/alerts/integrations/prom/settings", form)
    assert response.status_code == 303, response.text
    saved = catalog_client.get("/api/v1/integrations/prom").json()
    assert saved["settings"] == {
        "group_by": ["alertname", "cluster"],
        "grouping_window_minutes": 30,
        "alerts_to_open": 2,
        "urgency": {"warning": 1},
        "auto_resolve": False,
        "reopen_window_minutes": 60,
        "route_label": "service",
        "raw_retention_days": 7,
        "rate_limit_per_minute": 120,
        "webhook_type": "grafana",
    }


def test_settings_form_names_the_bad_setting_and_saves_nothing(
    catalog_client: TestClient, integration: str
) -> None:
    form = {"version": "1", "grouping_window_minutes": "99999", "group_by": "ok, not-a-label"}
    response = post(catalog_client, "/alerts/integrations/prom/settings", form)
    assert response.status_code == 422
    errors = " ".join(field_errors(response.text))
    assert "grouping window minutes" in errors and "group by" in errors
    assert 'value="99999"' in response.text and 'value="ok, not-a-label"' in response.text
    saved = catalog_client.get("/api/v1/integrations/prom").json()
    assert saved["version"] == 1 and saved["settings"]["grouping_window_minutes"] == 15


def test_a_stale_settings_form_is_refused(catalog_client: TestClient, integration: str) -> None:
    post(catalog_client, "/alerts/integrations/prom/settings", {"version": "1"})
    response = post(catalog_client, "/alerts/integrations/prom/settings", {"version": "1"})
    assert response.status_code == 409
    assert "Reload to see the current version" in page_text(response)


def test_a_viewer_cannot_create_integrations(
    settings: Settings, catalog_client: TestClient
) -> None:
    with client_as(settings, bearer_for(settings, "viewer@example.com", Role.VIEWER)) as viewer:
        response = post(viewer, "/alerts/integrations", {"name": "Prom", "slug": "prom"})
        assert response.status_code == 403
        assert viewer.get("/alerts/integrations", headers=HTML).status_code == 200
    assert catalog_client.get("/api/v1/integrations").json() == []


# --- silences and maintenance -------------------------------------------------------------


def test_silence_from_the_form_suppresses_matching_alerts(
    catalog_client: TestClient, integration: str, settings: Settings
) -> None:
    form = {
        "matchers": 'alertname="DiskFull"\r\ninstance=~"db-.*"\r\n',
        "ends_at": local_input(timedelta(hours=2), settings),
        "comment": "disk migration",
    }
    assert post(catalog_client, "/alerts/silences", form).status_code == 303
    silence = catalog_client.get("/api/v1/silences").json()[0]
    assert silence["matchers"] == ['alertname="DiskFull"', 'instance=~"db-.*"']
    assert silence["state"] == "active"
    # The end was read as the configured zone's wall clock.
    typed = datetime.fromisoformat(form["ends_at"]).replace(tzinfo=ZoneInfo(settings.timezone))
    assert datetime.fromisoformat(silence["ends_at"]) == typed
    send(catalog_client, integration, [disk_alert("db-1")])
    listed = catalog_client.get("/api/v1/alerts").json()["items"]
    assert listed[0]["suppressed_by"] == f"silence:{silence['id']}"
    assert "suppressed" in page_text(catalog_client.get("/alerts", headers=HTML))


def test_silence_form_refuses_a_bad_matcher_and_a_past_end(
    catalog_client: TestClient, settings: Settings
) -> None:
    bad_matcher = {
        "matchers": "alertname=~(",
        "ends_at": local_input(timedelta(hours=1), settings),
        "comment": "oops",
    }
    response = post(catalog_client, "/alerts/silences", bad_matcher)
    assert response.status_code == 422 and field_errors(response.text)
    past = {
        "matchers": 'service="db"',
        "ends_at": local_input(-timedelta(hours=1), settings),
        "comment": "too late",
    }
    response = post(catalog_client, "/alerts/silences", past)
    assert response.status_code == 422
    assert "in the past" in field_errors(response.text)
    assert catalog_client.get("/api/v1/silences?expired=true").json() == []


def test_alert_row_offers_a_silence_prefilled_with_its_labels(
    catalog_client: TestClient, integration: str
) -> None:
    send(catalog_client, integration, [disk_alert("db-1")])
    listing = catalog_client.get("/alerts", headers=HTML).text
    link = re.search(r'href="(/alerts/silences\?[^"]+)"', listing)
    assert link
    form = catalog_client.get(unescape(link[1]), headers=HTML).text
    textarea = re.search(r'<textarea name="matchers"[^>]*>(.*?)</textarea>', form, re.S)
    assert textarea and unescape(textarea[1]).splitlines() == [
        'alertname="DiskFull"',
        'instance="db-1"',
    ]


def test_expiring_a_silence(catalog_client: TestClient) -> None:
    made = created(
        catalog_client,
        "/api/v1/silences",
        {
            "matchers": ['service="db"'],
            "ends_at": (clock.now() + timedelta(hours=1)).isoformat(),
            "comment": "deploy",
        },
    )
    response = post(catalog_client, f"/alerts/silences/{made['id']}/expire", {})
    assert response.status_code == 303
    assert catalog_client.get(f"/api/v1/silences/{made['id']}").json()["state"] == "expired"
    assert "No silences" in page_text(catalog_client.get("/alerts/silences", headers=HTML))


def test_maintenance_from_the_form_and_ending_it(
    catalog_client: TestClient, settings: Settings
) -> None:
    form = {
        "service": "db",
        "starts_at": local_input(timedelta(minutes=-5), settings),
        "ends_at": local_input(timedelta(hours=1), settings),
        "comment": "minor version upgrade",
    }
    assert post(catalog_client, "/alerts/maintenance", form).status_code == 303
    window = catalog_client.get("/api/v1/maintenance-windows").json()[0]
    assert (window["service"], window["state"]) == ("db", "active")
    assert post(catalog_client, f"/alerts/maintenance/{window['id']}/end", {}).status_code == 303
    assert catalog_client.get("/api/v1/maintenance-windows").json() == []


def test_maintenance_form_refuses_an_unknown_service(
    catalog_client: TestClient, settings: Settings
) -> None:
    form = {
        "service": "nope",
        "starts_at": local_input(timedelta(hours=1), settings),
        "ends_at": local_input(timedelta(hours=2), settings),
        "comment": "upgrade",
    }
    response = post(catalog_client, "/alerts/maintenance", form)
    assert response.status_code == 422
    assert "unknown service" in field_errors(response.text)
    assert catalog_client.get("/api/v1/maintenance-windows?past=true").json() == []
