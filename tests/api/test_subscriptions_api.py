"""/api/v1/subscriptions and the editing of contact methods and notification rules."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as


def test_anyone_signed_in_subscribes_and_unsubscribes_themselves(
    settings: Settings, catalog_client: TestClient
) -> None:
    with client_as(settings, bearer_for(settings, "cfo@example.com", Role.RESPONDER)) as viewer:
        mine = created(viewer, "/api/v1/subscriptions", {"journey": "login"})
        assert (mine["subscriber"], mine["person"], mine["target_kind"], mine["target"]) == (
            "cfo@example.com",
            True,
            "journey",
            "login",
        )
        assert mine["audience"] == "internal"  # a responder hears internal updates by default
        listed = viewer.get("/api/v1/subscriptions", params={"journey": "login"}).json()
        assert [s["id"] for s in listed] == [mine["id"]]
        assert viewer.delete(f"/api/v1/subscriptions/{mine['id']}").status_code == 200
        assert viewer.get("/api/v1/subscriptions").json() == []


def test_subscription_errors_name_their_field(
    settings: Settings, catalog_client: TestClient
) -> None:
    client = catalog_client
    bad_email = client.post("/api/v1/subscriptions", json={"subscriber": "nope", "service": "auth"})
    assert bad_email.status_code == 422
    assert "subscriber" in bad_email.json()["error"]["fields"]
    unknown = client.post("/api/v1/subscriptions", json={"service": "payroll"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"] == {"service": "unknown service 'payroll'"}
    both = client.post("/api/v1/subscriptions", json={"service": "auth", "journey": "login"})
    assert both.status_code == 422
    audience = client.post("/api/v1/subscriptions", json={"service": "auth", "audience": "all"})
    assert audience.status_code == 422
    assert list(audience.json()["error"]["fields"]) == ["audience"]
    body = {"subscriber": "board@example.com", "service": "auth"}
    created(client, "/api/v1/subscriptions", body)
    twice = client.post("/api/v1/subscriptions", json=body)
    assert twice.status_code == 409
    assert twice.json()["error"]["fields"] == {"service": "already subscribed"}
    assert client.delete("/api/v1/subscriptions/999").status_code == 404
    assert len(client.get("/api/v1/subscriptions").json()) == 1


def test_only_operations_managers_subscribe_bare_addresses(
    settings: Settings, catalog_client: TestClient
) -> None:
    board = {"subscriber": "board@example.com", "service": "auth"}
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as responder:
        assert responder.post("/api/v1/subscriptions", json=board).status_code == 403
    om_bearer = bearer_for(
        settings, "om@example.com", Role.OPERATIONS_MANAGER, platforms=["procurement"]
    )
    with client_as(settings, om_bearer) as om:
        made = created(om, "/api/v1/subscriptions", board)
        war_room = {"subscriber": "war-room@example.com", "service": "auth", "audience": "internal"}
        chosen = created(om, "/api/v1/subscriptions", war_room)
    assert (made["person"], made["audience"]) == (False, "customer")
    assert chosen["audience"] == "internal"


def test_a_subscription_changes_the_updates_it_receives(
    settings: Settings, catalog_client: TestClient
) -> None:
    client = catalog_client
    made = created(
        client, "/api/v1/subscriptions", {"subscriber": "b@example.com", "service": "auth"}
    )
    url = f"/api/v1/subscriptions/{made['id']}"
    changed = client.patch(url, json={"audience": "internal"})
    assert changed.status_code == 200 and changed.json()["audience"] == "internal"
    bad = client.patch(url, json={"audience": "board"})
    assert bad.status_code == 422 and list(bad.json()["error"]["fields"]) == ["audience"]
    assert (
        client.patch("/api/v1/subscriptions/999", json={"audience": "customer"}).status_code == 404
    )
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as responder:
        assert responder.patch(url, json={"audience": "customer"}).status_code == 403
    assert client.get("/api/v1/subscriptions").json()[0]["audience"] == "internal"


def test_contact_methods_and_rules_are_patched_and_deleted(
    settings: Settings, client: TestClient
) -> None:
    base = "/api/v1/people/alice@example.com"
    method = created(
        client,
        f"{base}/contact-methods",
        {"kind": "webhook", "address": "https://hooks.example.com/a"},
    )
    rule = created(client, f"{base}/notification-rules", {"contact_method": method["id"]})
    patched = client.patch(
        f"{base}/contact-methods/{method['id']}", json={"label": "pager app"}
    ).json()
    assert (patched["address"], patched["label"]) == ("https://hooks.example.com/a", "pager app")
    wrong = client.patch(f"{base}/contact-methods/{method['id']}", json={"address": "ftp://x"})
    assert wrong.status_code == 422
    assert "address" in wrong.json()["error"]["fields"]
    delay = client.patch(f"{base}/notification-rules/{rule['id']}", json={"delay_minutes": 3})
    assert delay.json()["delay_minutes"] == 3
    assert (
        client.patch(
            f"{base}/notification-rules/{rule['id']}", json={"delay_minutes": -1}
        ).status_code
        == 422
    )
    other = "/api/v1/people/bob@example.com"
    assert client.delete(f"{other}/contact-methods/{method['id']}").status_code == 404
    assert client.delete(f"{base}/contact-methods/{method['id']}").status_code == 200
    assert client.get(f"{base}/contact-methods").json() == []
    assert client.get(f"{base}/notification-rules").json() == []
    assert client.delete(f"{base}/notification-rules/{rule['id']}").status_code == 404


def test_out_of_range_ids_are_refused_not_looked_up(client: TestClient) -> None:
    assert client.delete(f"/api/v1/subscriptions/{2**40}").status_code == 422
    base = "/api/v1/people/alice@example.com"
    assert client.delete(f"{base}/contact-methods/{2**40}").status_code == 422
    assert (
        client.patch(f"{base}/notification-rules/{2**40}", json={"delay_minutes": 1}).status_code
        == 422
    )
