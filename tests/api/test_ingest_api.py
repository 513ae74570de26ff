"""The ingest endpoints (Alertmanager, PagerDuty Events API v2, opsroom events) and the
alerts API around them: happy paths, each source's own error style, and that a rejected
request stores nothing."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from opsroom.alerts import reports
from opsroom.alerts import service as alerts
from opsroom.alerts.sources.events import MAX_BATCH
from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from opsroom.infra.db import get_engine, session_scope
from opsroom.runtime.app import create_app
from opsroom.runtime.intake_worker import drain
from tests.api.conftest import created
from tests.conftest import ADMIN, bearer_for, client_as
from tests.servers import serving

PAYLOADS = Path(__file__).parents[1] / "payloads"
AM_WEBHOOK = (PAYLOADS / "alertmanager_firing.json").read_bytes()
PD_TRIGGER: dict[str, Any] = orjson.loads((PAYLOADS / "pagerduty_trigger.json").read_bytes())
TOO_LARGE = b'{"padding": "' + b"x" * (600 * 1024) + b'"}'  # over 512 KB, under the app's 1 MiB
AM = "/api/v1/ingest/alertmanager"
EVENTS = "/api/v1/ingest/events"


@pytest.fixture
def key(catalog_client: TestClient) -> str:
    made = created(
        catalog_client,
        "/api/v1/integrations",
        {"slug": "prom", "name": "Prometheus", "service": "db"},
    )
    assert len(made["key"]) == 32 and made["key_prefix"] == made["key"][:8]
    return str(made["key"])


@pytest.fixture(params=["app", "served"])
def sender(request: pytest.FixtureRequest, settings: Settings) -> Iterator[httpx.Client]:
    """A client with no account at all (ingest authenticates with the integration key only):
    in the test's process to the app, or over loopback to the app served by uvicorn, as
    `opsroom serve` serves it."""
    if request.param == "app":
        with client_as(settings, None) as c:
            yield c
        return
    with serving(create_app(settings)) as url, httpx.Client(base_url=url) as c:
        yield c


def stored(settings: Settings) -> tuple[int, int]:
    """(alerts, raw payloads) in the database, once the worker has drained the intake."""
    drain(settings, wait=True)
    with session_scope(settings) as s:
        return len(reports.search(s, actor=ADMIN, limit=500).items), alerts.raw_payload_count(s)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def limit_rate(client: TestClient, per_minute: int) -> None:
    current = client.get("/api/v1/integrations/prom").json()
    settings = {**current["settings"], "rate_limit_per_minute": per_minute}
    response = client.patch(
        "/api/v1/integrations/prom", json={"version": current["version"], "settings": settings}
    )
    assert response.status_code == 200, response.text


# --- Alertmanager -------------------------------------------------------------------------


def test_alertmanager_webhook_opens_an_incident(
    catalog_client: TestClient, sender: httpx.Client, key: str, settings: Settings
) -> None:
    response = sender.post(AM, content=AM_WEBHOOK, headers=bearer(key))
    assert response.status_code == 202, response.text
    assert response.json() == {
        "received": 2,
        "fingerprints": ["c3a1a4f2b1e0d9c8", "8eeb995829cc09a5"],  # the second computed
    }
    assert stored(settings) == (1, 1)  # the resolve was for an alert never seen: ignored
    read = catalog_client.get("/api/v1/incidents/INC-1/alerts").json()
    assert (read["probable_cause"], read["alerts"][0]["fingerprint"]) == ("db", "c3a1a4f2b1e0d9c8")
    assert catalog_client.get("/api/v1/incidents/INC-1").json()["source"] == "integration:prom"


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({}, AM_WEBHOOK, 401, "unauthenticated"),
        (bearer("0" * 32), AM_WEBHOOK, 401, "unauthenticated"),
        (None, b'{"version": "4", "alerts": [', 400, "bad_request"),
        (None, b'{"version": "4", "alerts": []}', 400, "bad_request"),
        (None, TOO_LARGE, 413, "payload_too_large"),
    ],
)
def test_alertmanager_refusals_store_nothing(
    sender: httpx.Client,
    key: str,
    settings: Settings,
    headers: dict[str, str] | None,
    body: bytes,
    status: int,
    code: str,
) -> None:
    response = sender.post(AM, content=body, headers=bearer(key) if headers is None else headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert stored(settings) == (0, 0)


def test_a_wrong_schema_names_the_fields(sender: httpx.Client, key: str) -> None:
    body = orjson.dumps({**orjson.loads(AM_WEBHOOK), "version": "3", "alerts": [{"status": "x"}]})
    error = sender.post(AM, content=body, headers=bearer(key)).json()["error"]
    assert {"version", "alerts.0.status", "alerts.0.labels", "alerts.0.startsAt"} <= set(
        error["fields"]
    )


def test_unauthenticated_ingest_asks_for_a_bearer_key(sender: httpx.Client, key: str) -> None:
    response = sender.post(AM, content=AM_WEBHOOK)
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["error"]["message"]


def test_an_api_token_is_not_an_integration_key(
    sender: httpx.Client, key: str, settings: Settings
) -> None:
    token = bearer_for(settings, "bot@example.com", Role.ADMIN)
    assert sender.post(AM, content=AM_WEBHOOK, headers=bearer(token)).status_code == 401


def test_rate_limit_answers_429_with_retry_after_and_stores_nothing(
    catalog_client: TestClient, sender: httpx.Client, key: str, settings: Settings
) -> None:
    limit_rate(catalog_client, 1)
    assert sender.post(AM, content=AM_WEBHOOK, headers=bearer(key)).status_code == 202
    refused = sender.post(AM, content=AM_WEBHOOK, headers=bearer(key))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert refused.json()["error"]["code"] == "rate_limited"
    assert stored(settings) == (1, 1)


# --- opsroom events -----------------------------------------------------------------------

EVENT = {"summary": "Checkout slow", "severity": "critical", "labels": {"alertname": "Slow"}}


def test_events_single_and_batch(sender: httpx.Client, key: str, settings: Settings) -> None:
    one = sender.post(EVENTS, json=EVENT, headers=bearer(key))
    assert (one.status_code, one.json()["received"]) == (202, 1)
    batch = [EVENT, {**EVENT, "labels": {"alertname": "Slow", "pod": "b"}}]
    result = sender.post(EVENTS, json=batch, headers=bearer(key)).json()
    assert result["fingerprints"][0] == one.json()["fingerprints"][0]
    assert stored(settings) == (2, 2)  # the batch's first event repeats the single one
    with session_scope(settings) as s:
        counts = sorted(a.count for a in reports.search(s, actor=ADMIN).items)
    assert counts == [1, 2]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (orjson.dumps({**EVENT, "colour": "red"}), "colour"),
        (orjson.dumps({"labels": {"a": "b"}}), "body"),
        (b"not json", None),
        (b'{"summary": "nul \\u0000 inside", "labels": {"a": "b"}}', None),
    ],
)
def test_events_refusals(
    sender: httpx.Client, key: str, settings: Settings, body: bytes, field: str | None
) -> None:
    response = sender.post(EVENTS, content=body, headers=bearer(key))
    assert response.status_code == 400, response.text
    if field:
        assert field in response.json()["error"]["fields"]
    assert stored(settings) == (0, 0)


def test_events_too_large_or_unknown_key(sender: httpx.Client, key: str) -> None:
    assert sender.post(EVENTS, content=TOO_LARGE, headers=bearer(key)).status_code == 413
    assert sender.post(EVENTS, json=EVENT, headers=bearer("nope")).status_code == 401


@pytest.mark.parametrize("path", [AM, EVENTS, "/v2/enqueue"])
def test_a_wrong_method_is_answered_in_the_error_shape(sender: httpx.Client, path: str) -> None:
    """The intake's endpoints answer what they do not serve as every route does: the app's
    error shape, with its security headers."""
    refused = sender.get(path)
    assert refused.status_code == 405
    assert refused.json()["error"]["code"] == "method_not_allowed"
    assert refused.headers["x-frame-options"] == "DENY"


def test_a_database_failure_is_answered_in_the_error_shape(
    sender: httpx.Client, key: str, settings: Settings
) -> None:
    """A failure at the commit is answered by the app's error handlers, for a key the process
    remembers too: a JSON error, no stack trace, and the next request is kept again."""
    sender.post(AM, content=AM_WEBHOOK, headers=bearer(key))  # the key is now remembered
    with get_engine(settings).begin() as db:
        db.exec_driver_sql("ALTER TABLE alert_intake RENAME TO alert_intake_away")
    try:
        failed = sender.post(AM, content=AM_WEBHOOK, headers=bearer(key))
    finally:
        with get_engine(settings).begin() as db:
            db.exec_driver_sql("ALTER TABLE alert_intake_away RENAME TO alert_intake")
    assert failed.status_code in (500, 503)
    assert failed.json()["error"]["code"] in ("internal_error", "unavailable")
    assert "Traceback" not in failed.text and "alert_intake" not in failed.text
    assert failed.headers["connection"] == "close"  # the server closes it: no reuse
    assert sender.post(AM, content=AM_WEBHOOK, headers=bearer(key)).status_code == 202


# --- PagerDuty Events API v2 --------------------------------------------------------------


def test_pagerduty_trigger_and_resolve(
    catalog_client: TestClient, sender: httpx.Client, key: str
) -> None:
    triggered = sender.post("/v2/enqueue", json={**PD_TRIGGER, "routing_key": key})
    assert triggered.status_code == 202
    assert triggered.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "srv01/mysql",
    }
    drain(catalog_client.app.state.settings, wait=True)
    assert catalog_client.get("/api/v1/incidents/INC-1").json()["status"] == "triggered"
    resolve = {"routing_key": key, "event_action": "resolve", "dedup_key": "srv01/mysql"}
    assert sender.post("/v2/enqueue", json=resolve).status_code == 202
    drain(catalog_client.app.state.settings, wait=True)
    assert catalog_client.get("/api/v1/incidents/INC-1").json()["status"] == "resolved"


def test_pagerduty_generates_a_dedup_key_when_absent(sender: httpx.Client, key: str) -> None:
    event = {k: v for k, v in PD_TRIGGER.items() if k != "dedup_key"} | {"routing_key": key}
    dedup_key = sender.post("/v2/enqueue", json=event).json()["dedup_key"]
    assert len(dedup_key) == 32
    again = {"routing_key": key, "event_action": "acknowledge", "dedup_key": dedup_key}
    assert sender.post("/v2/enqueue", json=again).json()["dedup_key"] == dedup_key


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"routing_key": ', "the body is not valid JSON"),
        (orjson.dumps({**PD_TRIGGER, "event_action": "explode"}), "event_action"),
        (orjson.dumps({**PD_TRIGGER, "routing_key": "0" * 32}), "Invalid routing key"),
    ],
)
def test_pagerduty_invalid_events_in_pagerduty_style(
    sender: httpx.Client, key: str, settings: Settings, body: bytes, problem: str
) -> None:
    response = sender.post("/v2/enqueue", content=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert (error["status"], error["message"]) == ("invalid event", "Event object is invalid")
    assert any(problem in e for e in error["errors"]), error
    assert stored(settings) == (0, 0)


def test_pagerduty_too_large_and_rate_limited(
    catalog_client: TestClient, sender: httpx.Client, key: str, settings: Settings
) -> None:
    large = sender.post("/v2/enqueue", content=TOO_LARGE)
    assert (large.status_code, large.json()["message"]) == (413, "Event object is too large")
    limit_rate(catalog_client, 1)
    event = {**PD_TRIGGER, "routing_key": key}
    assert sender.post("/v2/enqueue", json=event).status_code == 202
    refused = sender.post("/v2/enqueue", json=event)
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "60")
    assert set(refused.json()) == {"status", "message", "errors"}
    assert stored(settings) == (1, 1)


def test_pagerduty_change_event_lands_on_the_change_timeline(
    catalog_client: TestClient, sender: httpx.Client, key: str
) -> None:
    change = {
        "routing_key": key,
        "payload": {"summary": "Deploy db 15.4", "source": "ci", "custom_details": {"run": 7}},
        "links": [{"href": "https://ci.example.com/runs/7", "text": "Run 7"}],
    }
    response = sender.post("/v2/change/enqueue", json=change)
    assert (response.status_code, response.json()) == (
        202,
        {"status": "success", "message": "Change event processed"},
    )
    (listed,) = catalog_client.get("/api/v1/change-events", params={"service": "db"}).json()[
        "items"
    ]
    assert (listed["summary"], listed["integration"], listed["custom_details"]) == (
        "Deploy db 15.4",
        "prom",
        {"run": 7},
    )
    invalid = sender.post("/v2/change/enqueue", json={"routing_key": key, "payload": {}})
    assert invalid.json()["errors"] == ["payload.summary: Field required"]


# --- integrations, silences, maintenance, alerts and noise ---------------------------------


def test_integration_crud_and_key_rotation(
    catalog_client: TestClient, sender: httpx.Client, key: str
) -> None:
    listed = catalog_client.get("/api/v1/integrations").json()
    assert [i["slug"] for i in listed] == ["prom"] and "key" not in listed[0]
    stale = catalog_client.patch(
        "/api/v1/integrations/prom", json={"version": 9, "name": "Renamed"}
    )
    assert stale.status_code == 409
    rotated = catalog_client.post("/api/v1/integrations/prom/rotate").json()
    assert rotated["key"] != key and rotated["version"] == 2
    assert sender.post(EVENTS, json=EVENT, headers=bearer(key)).status_code == 401
    assert sender.post(EVENTS, json=EVENT, headers=bearer(rotated["key"])).status_code == 202
    duplicate = {"slug": "prom", "name": "Again", "service": "db"}
    assert catalog_client.post("/api/v1/integrations", json=duplicate).status_code == 409
    bad = {"slug": "x2", "name": "Bad", "settings": {"alerts_to_open": 0}}
    assert catalog_client.post("/api/v1/integrations", json=bad).status_code == 422
    ghost = catalog_client.post(
        "/api/v1/integrations", json={**bad, "settings": {}, "service": "ghost"}
    )
    assert ghost.json()["error"]["fields"] == {"service": "unknown service"}


def test_viewers_read_integrations_but_cannot_create_them(
    settings: Settings, catalog_client: TestClient
) -> None:
    with client_as(settings, bearer_for(settings, "v@example.com", Role.VIEWER)) as viewer:
        assert viewer.get("/api/v1/integrations").status_code == 200
        made = viewer.post("/api/v1/integrations", json={"slug": "x1", "name": "X1"})
        assert made.status_code == 403


def test_silence_and_maintenance_through_the_api(
    catalog_client: TestClient, sender: httpx.Client, key: str
) -> None:
    silence = created(
        catalog_client,
        "/api/v1/silences",
        {"matchers": ['alertname="Slow"'], "ends_at": "2099-01-01T00:00:00Z", "comment": "known"},
    )
    assert (silence["state"], silence["matchers"]) == ("active", ['alertname="Slow"'])
    assert sender.post(EVENTS, json=EVENT, headers=bearer(key)).status_code == 202
    drain(catalog_client.app.state.settings, wait=True)
    suppressed = catalog_client.get("/api/v1/alerts", params={"suppressed": True}).json()["items"]
    assert suppressed[0]["suppressed_by"] == f"silence:{silence['id']}"
    expired = catalog_client.post(f"/api/v1/silences/{silence['id']}/expire").json()
    assert expired["state"] == "expired"
    assert catalog_client.get("/api/v1/silences").json() == []
    bad = {"matchers": ["nonsense"], "ends_at": "2099-01-01T00:00:00Z", "comment": "x y"}
    assert catalog_client.post("/api/v1/silences", json=bad).status_code == 422
    window = created(
        catalog_client,
        "/api/v1/maintenance-windows",
        {
            "service": "db",
            "starts_at": "2020-01-01T00:00:00Z",
            "ends_at": "2099-01-01T00:00:00Z",
            "comment": "upgrade",
        },
    )
    assert catalog_client.get("/api/v1/maintenance-windows").json()[0]["id"] == window["id"]
    ended = catalog_client.post(f"/api/v1/maintenance-windows/{window['id']}/end")
    assert ended.json()["state"] == "expired"


def test_alert_filters_and_noise(
    catalog_client: TestClient, sender: httpx.Client, key: str
) -> None:
    sender.post(EVENTS, json=[EVENT, EVENT], headers=bearer(key))
    drain(catalog_client.app.state.settings, wait=True)
    firing = catalog_client.get("/api/v1/alerts", params={"status": "firing", "incident": "INC-1"})
    assert [a["count"] for a in firing.json()["items"]] == [2]
    bad = catalog_client.get("/api/v1/alerts", params={"incident": "PRB-1"})
    assert bad.status_code == 422
    (noise,) = catalog_client.get("/api/v1/noise").json()
    assert (noise["key"], noise["received"], noise["noise_reduction_pct"]) == ("prom", 2, 50.0)
    by_service = catalog_client.get("/api/v1/noise", params={"by": "service"}).json()
    assert [n["key"] for n in by_service] == ["db"]


# --- over HTTP, as `opsroom serve` serves the app ---------------------------------------------


@pytest.fixture
def served(settings: Settings) -> Iterator[str]:
    """The app served by uvicorn, as `opsroom serve` serves it; its base URL."""
    with serving(create_app(settings)) as url:
        yield url


def _unchanging(response: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k != "date"}
    return response.status_code, response.json(), headers


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (AM, AM_WEBHOOK),
        (EVENTS, orjson.dumps(EVENT)),
        ("/v2/enqueue", orjson.dumps(PD_TRIGGER)),
    ],
)
def test_a_remembered_key_is_answered_as_a_key_looked_up(
    served: str, key: str, settings: Settings, path: str, body: bytes
) -> None:
    """The first request finds the key in the database; the process remembers it, so the
    second needs no look-up, and is answered in the same words, security headers included."""
    if path == "/v2/enqueue":
        body = orjson.dumps({**orjson.loads(body), "routing_key": key})
    with httpx.Client(base_url=served, headers=bearer(key)) as client:
        looked_up, remembered = (client.post(path, content=body) for _ in range(2))
    assert looked_up.status_code == 202, looked_up.text
    assert _unchanging(remembered) == _unchanging(looked_up)
    assert remembered.headers["x-content-type-options"] == "nosniff"
    assert alerts_kept(settings) == 2


def alerts_kept(settings: Settings) -> int:
    """Requests committed to the intake and not yet drained."""
    with get_engine(settings).connect() as db:
        return int(db.exec_driver_sql("SELECT count(*) FROM alert_intake").scalar_one())


def _request(key: str, body: bytes, *, close: bool = False) -> bytes:
    head = (
        f"POST {EVENTS} HTTP/1.1\r\nHost: opsroom\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        + ("Connection: close\r\n" if close else "")
    )
    return head.encode() + b"\r\n" + body


def _responses(sock: socket.socket, count: int) -> list[httpx.Response]:
    """Read `count` HTTP/1.1 responses (each with a Content-Length) from `sock`."""
    buffer, found = b"", []
    while len(found) < count:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection after {len(found)} responses"
        buffer += chunk
        while b"\r\n\r\n" in buffer:
            head, rest = buffer.split(b"\r\n\r\n", 1)
            lines = head.decode().split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:])
            size = int(headers.get("content-length", "0"))
            if len(rest) < size:
                break
            status = int(lines[0].split(" ")[1])
            found.append(httpx.Response(status, headers=headers, content=rest[:size]))
            buffer = rest[size:]
    return found


def _connected(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def test_pipelined_requests_are_answered_in_their_order(served: str, key: str) -> None:
    events = [orjson.dumps({**EVENT, "labels": {"alertname": f"Pipelined{n}"}}) for n in range(3)]
    health = b"GET /api/v1/health HTTP/1.1\r\nHost: opsroom\r\n\r\n"
    with _connected(served) as sock:
        sock.sendall(_request(key, events[0]))  # the first looks the key up
        first = _responses(sock, 1)[0]
        sock.sendall(_request(key, events[1]) + health + _request(key, events[2]))
        answers = [first, *_responses(sock, 3)]
    assert [a.status_code for a in answers] == [202, 202, 200, 202]
    fingerprints = [a.json()["fingerprints"][0] for a in answers if a.status_code == 202]
    assert len(set(fingerprints)) == 3
    assert fingerprints[1:] == [
        httpx.post(f"{served}/api/v1/ingest/events", content=e, headers=bearer(key)).json()[
            "fingerprints"
        ][0]
        for e in events[1:]
    ]


def test_a_request_asking_to_close_is_answered_then_closed(served: str, key: str) -> None:
    with _connected(served) as sock:
        sock.sendall(_request(key, orjson.dumps(EVENT)))
        assert _responses(sock, 1)[0].status_code == 202
        sock.sendall(_request(key, orjson.dumps(EVENT), close=True))
        answer = _responses(sock, 1)[0]
        assert (answer.status_code, answer.headers["connection"]) == (202, "close")
        sock.settimeout(2)  # well before uvicorn's keep-alive timeout (5 s) would close it
        assert sock.recv(1) == b""  # closed by the server


def test_chunked_and_large_bodies_are_kept(served: str, key: str, settings: Settings) -> None:
    summary = "Checkout slow for every buyer in the region " * 4
    batch = [{**EVENT, "summary": summary, "labels": {"n": str(n)}} for n in range(MAX_BATCH)]
    large = orjson.dumps(batch)
    assert 128 * 1024 < len(large) < 512 * 1024
    with httpx.Client(base_url=served, headers=bearer(key)) as client:
        client.post(EVENTS, json=EVENT)  # the key is now known
        assert client.post(EVENTS, content=large).json()["received"] == MAX_BATCH
        chunked = client.post(EVENTS, content=iter([large[:1000], large[1000:]]))
        assert chunked.request.headers["transfer-encoding"] == "chunked"
        assert (chunked.status_code, chunked.json()["received"]) == (202, MAX_BATCH)
    assert alerts_kept(settings) == 3


def test_only_the_first_authorization_header_counts(served: str, key: str) -> None:
    with httpx.Client(base_url=served) as client:
        assert client.post(EVENTS, json=EVENT, headers=bearer(key)).status_code == 202
        basic_first = [("Authorization", "Basic b3BzOm9wcw=="), ("Authorization", f"Bearer {key}")]
        assert client.post(EVENTS, json=EVENT, headers=basic_first).status_code == 401
