"""Nobody gets in where they don't belong: 401 without credentials, 403 without the role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role, Scope
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.runtime.app import create_app
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

MUTATING = {"post", "put", "patch", "delete"}
ANONYMOUS_READS = {"/api/v1/health", "/api/v1/openapi.json"}
# PagerDuty's Events API carries its key (routing_key) in the body and, like PagerDuty,
# answers an event without a valid one with 400.
KEYED_IN_BODY = {"/v2/enqueue", "/v2/change/enqueue"}
# Calendar feeds carry their key in the URL (?token=) for calendar applications that cannot
# sign in; without a valid one they answer 404, as if there were no such feed.
KEYED_IN_URL = {"/api/v1/schedules/{slug}/calendar.ics", "/api/v1/people/{email}/oncall.ics"}
# A satisfaction survey is answered without signing in: its link is the key, and any other
# token answers 404 (422 first for a body that is no answer at all).
SURVEY_LINK = "/api/v1/surveys/{token}"
# A platform's status page is public: an unknown platform is simply not found. Anyone who
# may read it subscribes, and confirms or unsubscribes by the signed link mailed to them.
PUBLIC_STATUS = "/api/v1/status/{platform}"
STATUS_SUBSCRIBE = "/api/v1/status/{platform}/subscribers"
STATUS_LINKS = {
    "/api/v1/status/{platform}/subscribers/{subscriber}/confirm",
    "/api/v1/status/{platform}/subscribers/{subscriber}/unsubscribe",
}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def _routes(settings: Settings) -> list[tuple[str, str]]:
    spec = create_app(settings).openapi()
    return [(method, path) for path, ops in spec["paths"].items() for method in ops]


def test_no_mutating_route_is_reachable_anonymously(
    settings: Settings, anonymous: TestClient
) -> None:
    mutating = [(m, p) for m, p in _routes(settings) if m in MUTATING]
    assert len(mutating) > 15
    for method, path in mutating:
        response = anonymous.request(method.upper(), _concrete(path), json={})
        if path in KEYED_IN_BODY:
            assert (response.status_code, response.json()["status"]) == (400, "invalid event")
            continue
        if path == SURVEY_LINK:
            assert response.status_code == 422
            assert anonymous.post(_concrete(path), json={"score": 5}).status_code == 404
            continue
        if path == STATUS_SUBSCRIBE:
            assert response.status_code == 422
            asked = anonymous.post(_concrete(path), json={"email": "a@example.org"})
            assert asked.status_code == 404
            continue
        if path in STATUS_LINKS:  # 422: no token, and 'x' is no subscriber
            assert response.status_code == 422
            continue
        assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
        assert response.headers["www-authenticate"] == "Bearer"


def test_no_read_route_is_reachable_anonymously(settings: Settings, anonymous: TestClient) -> None:
    for method, path in _routes(settings):
        if method == "get" and path not in ANONYMOUS_READS:
            keyed = path in KEYED_IN_URL or path in {SURVEY_LINK, PUBLIC_STATUS}
            refused = {404, 422} if keyed else {401}  # 422: 'x' is no email
            assert anonymous.get(_concrete(path)).status_code in refused, path


def test_health_answers_anonymously_for_load_balancers(anonymous: TestClient) -> None:
    assert anonymous.get("/api/v1/health").json()["status"] == "ok"


def test_viewer_reads_but_cannot_change(settings: Settings, catalog_client: TestClient) -> None:
    with client_as(settings, bearer_for(settings, "viewer@example.com", Role.VIEWER)) as viewer:
        assert viewer.get("/api/v1/services/db").status_code == 200
        refused = viewer.patch("/api/v1/services/db", json={"version": 1, "tier": 1})
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == "this token lacks the 'write' scope"
    assert catalog_client.get("/api/v1/services/db").json()["tier"] == 2


def test_responder_cannot_edit_the_catalog(settings: Settings, catalog_client: TestClient) -> None:
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as responder:
        refused = responder.patch("/api/v1/services/db", json={"version": 1, "tier": 1})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "you need the squad lead role for this"


def test_squad_lead_edits_own_squads_services_only(
    settings: Settings, catalog_client: TestClient
) -> None:
    created(
        catalog_client,
        "/api/v1/squads",
        {"slug": "payments", "name": "Payments", "platform": "procurement"},
    )
    created(
        catalog_client,
        "/api/v1/squads/identity/members",
        {"name": "Lea", "email": "lead@example.com"},
    )
    created(
        catalog_client,
        "/api/v1/services",
        {
            "slug": "ledger",
            "name": "Ledger",
            "platform": "procurement",
            "owner": "payments",
            "tier": 2,
        },
    )
    with client_as(settings, bearer_for(settings, "lead@example.com", Role.SQUAD_LEAD)) as lead:
        assert lead.patch("/api/v1/services/db", json={"version": 1, "tier": 1}).status_code == 200
        assert (
            lead.patch("/api/v1/services/ledger", json={"version": 1, "tier": 1}).status_code == 403
        )
        handover = lead.patch("/api/v1/services/db", json={"version": 2, "owner": "payments"})
        assert handover.status_code == 403
        assert (
            lead.post("/api/v1/platforms", json={"slug": "other", "name": "Other"}).status_code
            == 403
        )


def test_an_operations_manager_is_refused_another_platforms_objects(
    settings: Settings, catalog_client: TestClient
) -> None:
    created(catalog_client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    bearer = bearer_for(
        settings, "om@example.com", Role.OPERATIONS_MANAGER, platforms=["procurement"]
    )
    with client_as(settings, bearer) as manager:
        own = manager.patch(
            "/api/v1/platforms/procurement", json={"version": 1, "description": "x"}
        )
        other = manager.patch("/api/v1/platforms/commerce", json={"version": 1, "description": "x"})
        squad = manager.post(
            "/api/v1/squads", json={"slug": "shop", "name": "Shop", "platform": "commerce"}
        )
    assert own.status_code == 200
    assert (other.status_code, squad.status_code) == (403, 403)
    assert "not assigned to commerce" in other.json()["error"]["message"]
    assert catalog_client.get("/api/v1/platforms/commerce").json()["description"] == ""


def test_vendor_contact_sees_no_catalog(settings: Settings, catalog_client: TestClient) -> None:
    created(catalog_client, "/api/v1/vendors", {"slug": "cloudco", "name": "CloudCo"})
    with client_as(
        settings, bearer_for(settings, "v@cloudco.example", Role.VENDOR_CONTACT, vendor="cloudco")
    ) as vendor:
        assert vendor.get("/api/v1/services").status_code == 403
        assert vendor.get("/api/v1/me").json()["vendor"] == "cloudco"


# --- tokens -------------------------------------------------------------------------------


def test_token_secret_is_shown_once_and_only_its_hash_is_kept(client: TestClient) -> None:
    made = created(client, "/api/v1/tokens", {"name": "grafana", "scopes": ["read"]})
    assert made["token"].startswith("opr_" + made["prefix"])
    listed = client.get("/api/v1/tokens").json()
    assert made["token"] not in str(listed)
    assert {t["name"] for t in listed} == {"tests", "grafana"}


def test_revoked_token_stops_working(settings: Settings, client: TestClient) -> None:
    made = created(client, "/api/v1/tokens", {"name": "ci", "scopes": ["read"]})
    with client_as(settings, made["token"]) as ci:
        assert ci.get("/api/v1/services").status_code == 200
        assert client.delete(f"/api/v1/tokens/{made['id']}").json()["revoked_at"] is not None
        rejected = ci.get("/api/v1/services")
    assert rejected.status_code == 401
    assert "revoked" in rejected.json()["error"]["message"]


def test_expired_token_stops_working(
    settings: Settings, client: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    expires = (frozen_clock.now() + timedelta(hours=1)).isoformat()
    made = created(
        client, "/api/v1/tokens", {"name": "temp", "scopes": ["read"], "expires_at": expires}
    )
    with client_as(settings, made["token"]) as temp:
        assert temp.get("/api/v1/me").status_code == 200
        frozen_clock.advance(timedelta(hours=1, seconds=1))
        expired = temp.get("/api/v1/me")
    assert expired.status_code == 401
    assert expired.json()["error"]["message"] == "this token has expired"


def test_token_records_when_it_was_last_used(
    settings: Settings, client: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    made = created(client, "/api/v1/tokens", {"name": "probe", "scopes": ["read"]})
    with client_as(settings, made["token"]) as probe:
        probe.get("/api/v1/me")
    used = next(t for t in client.get("/api/v1/tokens").json() if t["id"] == made["id"])
    assert used["last_used_at"] == frozen_clock.now().isoformat().replace("+00:00", "Z")


def test_token_scopes_are_limited_by_role(settings: Settings) -> None:
    with client_as(settings, bearer_for(settings, "viewer@example.com", Role.VIEWER)) as viewer:
        refused = viewer.post("/api/v1/tokens", json={"name": "x", "scopes": ["write"]})
    assert refused.status_code == 403  # a read-only token cannot mint tokens at all


def test_token_errors(client: TestClient) -> None:
    assert client.delete("/api/v1/tokens/999").status_code == 404
    past = client.post(
        "/api/v1/tokens",
        json={"name": "x", "scopes": ["read"], "expires_at": "2000-01-01T00:00:00Z"},
    )
    assert past.json()["error"]["fields"] == {"expires_at": "in the past"}
    assert client.post("/api/v1/tokens", json={"name": "x", "scopes": ["root"]}).status_code == 422
    assert (
        client.post(
            "/api/v1/tokens", json={"name": "x", "scopes": ["read"], "user": "ghost@example.com"}
        ).status_code
        == 404
    )


def test_a_garbage_token_is_401(settings: Settings) -> None:
    with client_as(settings, "opr_nope_nope") as stranger:
        response = stranger.get("/api/v1/me")
    assert response.status_code == 401


# --- users --------------------------------------------------------------------------------


def test_admin_manages_users_and_role_changes_are_audited(client: TestClient) -> None:
    made = created(
        client,
        "/api/v1/users",
        {
            "email": "Ann@Example.com",
            "display_name": "Ann",
            "role": "responder",
            "password": "a long enough secret",
        },
    )
    assert made["email"] == "ann@example.com"
    assert "password" not in made and "password_hash" not in made
    changed = client.patch(
        "/api/v1/users/ann@example.com", json={"version": 1, "role": "squad_lead"}
    )
    assert changed.json()["role"] == "squad_lead"
    entry = client.get(
        "/api/v1/audit", params={"subject_type": "user", "subject_key": "ann@example.com"}
    ).json()["items"][0]
    assert (entry["action"], entry["before"], entry["after"]) == (
        "user.role_changed",
        {"role": "responder"},
        {"role": "squad_lead"},
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "b@example.com", "display_name": "B", "password": "short"}, "password"),
        (
            {
                "email": "b@example.com",
                "display_name": "B",
                "role": "vendor_contact",
                "password": "a long enough secret",
            },
            "request",
        ),
        (
            {
                "email": "b@example.com",
                "display_name": "B",
                "role": "requester",
                "password": "a long enough secret",
            },
            "request",
        ),
        (
            {"email": "not-an-email", "display_name": "B", "password": "a long enough secret"},
            "email",
        ),
        (
            {
                "email": "b@example.com",
                "display_name": "B",
                "password": "a long enough secret",
                "timezone": "Mars/Olympus",
            },
            "timezone",
        ),
    ],
)
def test_user_validation(client: TestClient, body: dict[str, str], field: str) -> None:
    refused = client.post("/api/v1/users", json=body)
    assert refused.status_code == 422
    assert field in refused.json()["error"]["fields"]
    assert client.patch("/api/v1/users/b@example.com", json={"version": 1}).status_code == 404


def test_only_admins_manage_users(settings: Settings) -> None:
    with client_as(settings, bearer_for(settings, "om@example.com", Role.OPERATIONS_MANAGER)) as om:
        assert om.get("/api/v1/users").status_code == 403
        refused = om.post(
            "/api/v1/users",
            json={
                "email": "c@example.com",
                "display_name": "C",
                "password": "a long enough secret",
            },
        )
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "this token lacks the 'admin' scope"


@pytest.mark.usefixtures("customers")  # Acme, an organisation on record
def test_a_requester_changed_to_a_responder_keeps_no_organisation(client: TestClient) -> None:
    body = {
        "email": "ann@acme.example",
        "display_name": "Ann",
        "role": "requester",
        "organisation": "Acme",
        "password": "a long enough secret",
    }
    assert created(client, "/api/v1/users", body)["organisation"] == "Acme"
    kept = client.patch("/api/v1/users/ann@acme.example", json={"version": 1, "role": "responder"})
    assert kept.status_code == 422
    assert kept.json()["error"]["fields"] == {"organisation": "does not match the role"}
    moved = {"version": 1, "role": "responder", "organisation": None}
    assert client.patch("/api/v1/users/ann@acme.example", json=moved).json()["organisation"] is None


def test_me_describes_the_caller(settings: Settings) -> None:
    with client_as(
        settings, bearer_for(settings, "r@example.com", Role.RESPONDER, scopes=[Scope.READ])
    ) as responder:
        me = responder.get("/api/v1/me").json()
    assert me == {
        "name": "r@example.com",
        "role": "responder",
        "squads": [],
        "platforms": [],
        "vendor": None,
        "organisation": None,
        "scopes": ["read"],
        "via": "token",
        "default_platform": None,
    }
