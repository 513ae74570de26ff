"""KPIs over HTTP: the report, its downloads, the dashboard and /metrics."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from html import unescape

from fastapi.testclient import TestClient

from opsroom.auth.domain import Role, Scope
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify.models import OutboxMessage
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

HTML = {"Accept": "text/html"}


def _declare(client: TestClient, priority_inputs: tuple[int, int] = (1, 1)) -> str:
    impact, urgency = priority_inputs
    incident = created(
        client,
        "/api/v1/incidents",
        {"title": "Login fails", "services": ["auth"], "impact": impact, "urgency": urgency},
    )
    return str(incident["key"])


def test_the_report_of_this_month_counts_what_was_declared(catalog_client: TestClient) -> None:
    _declare(catalog_client)
    _declare(catalog_client, (3, 3))
    report = catalog_client.get("/api/v1/kpis/report").json()
    assert report["period"] == f"{clock.now():%Y-%m}"
    assert report["overall"]["incidents"] == 2
    assert [g["key"] for g in report["by_priority"]] == ["P1", "P5"]
    assert [g["key"] for g in report["by_squad"]] == ["identity"]
    assert {c["key"]: c["incidents"] for c in report["by_journey"]} == {"login": 2}


def test_report_errors(catalog_client: TestClient) -> None:
    bad = catalog_client.get("/api/v1/kpis/report", params={"period": "last month"})
    assert bad.status_code == 422
    assert "period" in bad.json()["error"]["fields"]
    missing = catalog_client.get("/api/v1/kpis/report", params={"squad": "nobody"})
    assert missing.status_code == 404
    assert catalog_client.get("/api/v1/kpis/trend", params={"platform": "x-y"}).status_code == 422


def test_the_weekly_trend_has_one_value_per_week(catalog_client: TestClient) -> None:
    _declare(catalog_client)
    trend = catalog_client.get("/api/v1/kpis/trend", params={"weeks": 4}).json()
    assert len(trend["weeks"]) == 4
    assert trend["incidents_by_priority"]["P1"] == [0, 0, 0, 1]


def test_the_monthly_trend_has_one_value_per_month(catalog_client: TestClient) -> None:
    _declare(catalog_client)
    month = f"{clock.now():%Y-%m}"
    trend = catalog_client.get("/api/v1/kpis/monthly", params={"months": 3}).json()
    assert trend["months"][-1] == month and len(trend["months"]) == 3
    assert (trend["incidents"], trend["major"]) == ([0, 0, 1], [0, 0, 1])


def test_monthly_trend_errors(catalog_client: TestClient) -> None:
    bad = catalog_client.get("/api/v1/kpis/monthly", params={"period": "soon", "months": 99})
    assert bad.status_code == 422
    missing = catalog_client.get("/api/v1/kpis/monthly", params={"squad": "nobody"})
    assert missing.status_code == 404


def test_the_review_pack_downloads_in_every_format(catalog_client: TestClient) -> None:
    _declare(catalog_client)
    month = f"{clock.now():%Y-%m}"
    csv_file = catalog_client.get("/kpis/report.csv", params={"period": month})
    assert (
        csv_file.headers["content-disposition"]
        == f'attachment; filename="opsroom-kpis-{month}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(csv_file.text)))
    assert {
        "period": month,
        "section": "overall",
        "group": "all",
        "figure": "incidents",
        "value": "1",
    } in rows
    markdown = catalog_client.get("/kpis/report.md", params={"period": month, "squad": "identity"})
    assert markdown.text.startswith(f"# Operations review {month} (squad identity)")
    html = catalog_client.get("/kpis/report.html").text
    assert "<h1>Operations review" in html and "<script" not in html
    assert json.loads(catalog_client.get("/kpis/report.json").text)["overall"]["incidents"] == 1
    assert catalog_client.get("/kpis/report.pdf").status_code == 422


def test_the_dashboard_shows_open_incidents_tiles_and_chart_data(
    catalog_client: TestClient,
) -> None:
    _declare(catalog_client)
    page = catalog_client.get("/", headers=HTML)
    assert page.status_code == 200
    assert '<script src="/vendor/chart.umd.min.js" defer></script>' in page.text
    html = _with_fragments(catalog_client, page.text)
    charts = [json.loads(unescape(spec)) for spec in re.findall(r"data-chart='([^']*)'", html)]
    assert len(charts) == 5
    weekly = next(c for c in charts if c.get("stacked"))
    assert {s["label"]: s["values"][-1] for s in weekly["series"]}["P1"] == 1
    assert re.search(r'class="priority-p1".*?<span class="count">1</span>', html, re.S)
    assert 'data-kpi="incidents"' in html
    assert '<th scope="row">Change failure rate (failed of finished)</th>' in html


def _with_fragments(client: TestClient, page: str) -> str:
    """The dashboard as the browser completes it: the page and every part it loads later."""
    paths = re.findall(r'class="dashboard-later" hx-get="([^"]+)"', page)
    assert len(paths) == 5
    parts = [client.get(unescape(p), headers={**HTML, "HX-Request": "true"}) for p in paths]
    assert all(p.status_code == 200 and "<html" not in p.text for p in parts)
    return page + "".join(p.text for p in parts)


def test_the_dashboard_lists_the_work_waiting_on_people(catalog_client: TestClient) -> None:
    page = catalog_client.get("/", headers=HTML).text
    html = _with_fragments(catalog_client, page)
    assert "No action item is overdue." in html
    assert "No review is overdue." in html
    assert "No change is planned in the next 14 days." in html
    assert "No open risks." in html
    assert "Coming with their domains" not in html
    assert catalog_client.get("/dashboard/work", params={"platform": "nowhere"}).status_code == 422


def test_the_dashboard_lists_overdue_items_upcoming_changes_and_freezes(
    catalog_client: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    now = clock.now()  # 2 November 2026, 09:00 UTC
    item = created(
        catalog_client,
        "/api/v1/actions",
        {"title": "Alert on pool saturation", "owner_squad": "identity", "due_on": "2026-11-01"},
    )
    created(
        catalog_client,
        "/api/v1/actions",
        {"title": "Not due yet", "owner_squad": "identity", "due_on": "2026-11-20"},
    )
    change = created(
        catalog_client,
        "/api/v1/changes",
        {
            "title": "Rotate the search index",
            "services": ["search"],
            "squad": "identity",
            "planned_start": (now + timedelta(days=3)).isoformat(),
            "planned_end": (now + timedelta(days=3, hours=2)).isoformat(),
        },
    )
    assert (
        catalog_client.post(f"/api/v1/changes/{change['key']}/submit", json={}).status_code == 200
    )
    created(
        catalog_client,
        "/api/v1/changes",
        {
            "title": "Still a draft",
            "services": ["search"],
            "squad": "identity",
            "planned_start": (now + timedelta(days=4)).isoformat(),
            "planned_end": (now + timedelta(days=4, hours=1)).isoformat(),
        },
    )
    created(
        catalog_client,
        "/api/v1/freezes",
        {
            "slug": "peak",
            "name": "Black Friday",
            "starts_on": "2026-11-10",
            "ends_on": "2026-11-12",
            "platforms": ["procurement"],
        },
    )

    work = catalog_client.get("/dashboard/work", headers={**HTML, "HX-Request": "true"}).text

    assert f'<a href="/actions/{item["key"]}">{item["key"]}</a> Alert on pool saturation' in work
    assert "Not due yet" not in work and "No action item is overdue." not in work
    assert f'<a href="/changes/{change["key"]}">{change["key"]}</a> Rotate the search index' in work
    assert "Still a draft" not in work  # not submitted: nobody has to prepare for it yet
    assert "Freeze: Black Friday" in work


def test_the_live_part_refreshes_alone(catalog_client: TestClient) -> None:
    _declare(catalog_client)
    part = catalog_client.get("/dashboard/open", headers={**HTML, "HX-Request": "true"})
    assert part.status_code == 200
    assert part.text.lstrip().startswith('<section class="card open-now"')
    assert "<html" not in part.text


def test_the_kpi_page_shows_a_squads_scorecard_beside_the_platform(
    catalog_client: TestClient,
) -> None:
    _declare(catalog_client)
    page = catalog_client.get("/kpis", params={"squad": "identity"}, headers=HTML).text
    assert "Scorecard: identity" in page
    assert "platform: 1" in page


def test_chart_library_is_served_from_the_pinned_package(catalog_client: TestClient) -> None:
    script = catalog_client.get("/vendor/chart.umd.min.js")
    assert script.status_code == 200
    assert "Chart" in script.text[:2000]


def test_metrics_need_a_read_token_and_speak_prometheus(
    settings: Settings, catalog_client: TestClient
) -> None:
    _declare(catalog_client)
    assert client_as(settings, None).get("/metrics").status_code == 401
    scraper = client_as(
        settings, bearer_for(settings, "prometheus@example.com", Role.VIEWER, scopes=[Scope.READ])
    )
    response = scraper.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    lines = response.text.splitlines()
    assert 'opsroom_open_incidents{priority="P1"} 1.0' in lines
    assert "opsroom_alerts_ingested_total 0.0" in lines
    assert 'opsroom_notifications_total{outcome="failed"} 0.0' in lines
    assert "opsroom_worker_lag_seconds 0.0" in lines


def _outbox(n: int, status: str) -> OutboxMessage:
    return OutboxMessage(
        dedup_key=f"metrics-{n}",
        channel="email",
        address="ops@example.com",
        person="ops@example.com",
        message={},
        status=status,
        due_at=clock.now(),
    )


def test_metrics_show_the_backlogs_and_the_notifications_by_outcome(
    settings: Settings, catalog_client: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    made = created(
        catalog_client, "/api/v1/integrations", {"slug": "prom", "name": "Prom", "service": "auth"}
    )
    event = {"summary": "Login errors", "labels": {"alertname": "LoginErrors"}}
    with client_as(settings, made["key"]) as sender:  # no worker here: the request waits
        assert sender.post("/api/v1/ingest/events", json=event).status_code == 202
    frozen_clock.advance(timedelta(seconds=90))
    with session_scope(settings) as s:
        statuses = ["sent", "sent", "failed", "pending", "cancelled"]
        s.add_all(_outbox(n, status) for n, status in enumerate(statuses))
    lines = catalog_client.get("/metrics").text.splitlines()
    assert "opsroom_alert_intake_waiting 1.0" in lines
    assert "opsroom_alert_intake_lag_seconds 90.0" in lines
    assert 'opsroom_notifications_total{outcome="sent"} 2.0' in lines
    assert 'opsroom_notifications_total{outcome="failed"} 1.0' in lines
    assert "opsroom_notifications_waiting 1.0" in lines
