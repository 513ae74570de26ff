from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import created


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


# --- platforms and squads ---------------------------------------------------------------


def test_platform_crud(client: TestClient) -> None:
    created(
        client,
        "/api/v1/platforms",
        {"slug": "commerce", "name": "Commerce", "operations_manager_email": "om@example.com"},
    )
    assert [p["slug"] for p in client.get("/api/v1/platforms").json()] == ["commerce"]
    updated = client.patch(
        "/api/v1/platforms/commerce", json={"version": 1, "operations_manager_name": "Omar"}
    )
    assert updated.json()["operations_manager_name"] == "Omar"
    assert client.get("/api/v1/platforms/commerce").json()["version"] == 2


def test_platform_errors(client: TestClient) -> None:
    created(client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    assert error_of(
        client.post("/api/v1/platforms", json={"slug": "commerce", "name": "Other"}), 409
    )["fields"] == {"slug": "already taken"}
    assert error_of(client.get("/api/v1/platforms/nope"), 404)["message"] == "no platform 'nope'"
    assert (
        error_of(client.patch("/api/v1/platforms/commerce", json={"version": 9, "name": "X"}), 409)[
            "code"
        ]
        == "stale_version"
    )
    bad = error_of(client.post("/api/v1/platforms", json={"slug": "Bad Slug", "name": ""}), 422)
    assert set(bad["fields"]) == {"slug", "name"}


def test_squad_members_round_trip(catalog_client: TestClient) -> None:
    member = {
        "name": "Ann Lee",
        "email": "ann@example.com",
        "phone": "+31 20 555 0101",
        "role": "lead",
    }
    squad = created(catalog_client, "/api/v1/squads/identity/members", member)
    assert [m["email"] for m in squad["members"]] == ["ann@example.com"]
    assert error_of(catalog_client.post("/api/v1/squads/identity/members", json=member), 409)[
        "fields"
    ] == {"email": "already a member"}
    assert (
        catalog_client.delete("/api/v1/squads/identity/members/ann@example.com").json()["members"]
        == []
    )
    error_of(catalog_client.delete("/api/v1/squads/identity/members/ann@example.com"), 404)


def test_squad_list_get_update_and_errors(catalog_client: TestClient) -> None:
    assert [
        s["slug"]
        for s in catalog_client.get("/api/v1/squads", params={"platform": "procurement"}).json()
    ] == ["identity"]
    error_of(catalog_client.get("/api/v1/squads", params={"platform": "nope"}), 422)
    updated = catalog_client.patch(
        "/api/v1/squads/identity", json={"version": 1, "chat_channel": "#identity"}
    )
    assert updated.json()["chat_channel"] == "#identity"
    error_of(catalog_client.get("/api/v1/squads/nope"), 404)
    unknown_platform = error_of(
        catalog_client.post(
            "/api/v1/squads", json={"slug": "x-team", "name": "X", "platform": "nope"}
        ),
        422,
    )
    assert unknown_platform["fields"] == {"platform": "unknown platform 'nope'"}
    error_of(
        catalog_client.post(
            "/api/v1/squads",
            json={
                "slug": "x-team",
                "name": "X",
                "platform": "procurement",
                "email": "not-an-email",
            },
        ),
        422,
    )


# --- services ---------------------------------------------------------------------------


def test_service_list_filters_and_cursor(catalog_client: TestClient) -> None:
    tier1 = catalog_client.get("/api/v1/services", params={"tier": 1}).json()
    assert [s["slug"] for s in tier1["items"]] == ["auth", "gateway"]
    page1 = catalog_client.get("/api/v1/services", params={"limit": 3}).json()
    page2 = catalog_client.get(
        "/api/v1/services", params={"limit": 3, "cursor": page1["next_cursor"]}
    ).json()
    assert [s["slug"] for s in page1["items"] + page2["items"]] == [
        "auth",
        "db",
        "gateway",
        "search",
    ]
    assert page2["next_cursor"] is None
    assert [
        s["slug"]
        for s in catalog_client.get(
            "/api/v1/services", params={"q": "sea", "owner": "identity"}
        ).json()["items"]
    ] == ["search"]


def test_service_list_errors(catalog_client: TestClient) -> None:
    assert error_of(catalog_client.get("/api/v1/services", params={"tier": 9}), 422)["fields"] == {
        "tier": "Input should be less than or equal to 4"
    }
    assert error_of(catalog_client.get("/api/v1/services", params={"cursor": "%%%"}), 422)[
        "fields"
    ] == {"cursor": "invalid"}
    error_of(catalog_client.get("/api/v1/services", params={"owner": "nobody"}), 404)


def test_service_get_update_and_stale_update(catalog_client: TestClient) -> None:
    service = catalog_client.get("/api/v1/services/db").json()
    assert (service["owner"], service["platform"], service["tier"]) == (
        "identity",
        "procurement",
        2,
    )
    updated = catalog_client.patch(
        "/api/v1/services/db",
        json={
            "version": 1,
            "data_regions": ["eu-west-1"],
            "runbook_url": "https://runbooks.example.com/db",
        },
    )
    assert updated.json()["data_regions"] == ["eu-west-1"]
    stale = error_of(
        catalog_client.patch("/api/v1/services/db", json={"version": 1, "tier": 4}), 409
    )
    assert stale["code"] == "stale_version"
    assert catalog_client.get("/api/v1/services/db").json()["tier"] == 2
    assert error_of(
        catalog_client.patch(
            "/api/v1/services/db", json={"version": 2, "runbook_url": "not a url"}
        ),
        422,
    )["fields"].keys() == {"runbook_url"}
    error_of(catalog_client.get("/api/v1/services/nope"), 404)


def test_service_create_errors(catalog_client: TestClient) -> None:
    base = {
        "slug": "cache",
        "name": "Cache",
        "platform": "procurement",
        "owner": "identity",
        "tier": 3,
    }
    assert error_of(catalog_client.post("/api/v1/services", json={**base, "owner": "nobody"}), 422)[
        "fields"
    ] == {"owner": "unknown squad 'nobody'"}
    assert error_of(catalog_client.post("/api/v1/services", json={**base, "name": "DB"}), 409)[
        "fields"
    ] == {"name": "already taken"}
    assert error_of(catalog_client.post("/api/v1/services", json={**base, "tier": 0}), 422)[
        "fields"
    ].keys() == {"tier"}
    assert error_of(
        catalog_client.post("/api/v1/services", json={**base, "depends_on": ["ghost"]}), 422
    )["fields"] == {"depends_on": "unknown service 'ghost'"}
    error_of(catalog_client.get("/api/v1/services/cache"), 404)


def test_dependencies_both_ways(catalog_client: TestClient) -> None:
    deps = catalog_client.get("/api/v1/services/auth/dependencies").json()
    assert [r["slug"] for r in deps["depends_on"]] == ["db"]
    assert [r["slug"] for r in deps["depended_on_by"]] == ["gateway"]
    added = created(catalog_client, "/api/v1/services/search/dependencies", {"depends_on": "auth"})
    assert {r["slug"] for r in added["upstream"]} == {"auth", "db"}
    removed = catalog_client.delete("/api/v1/services/search/dependencies/auth")
    assert [r["slug"] for r in removed.json()["depends_on"]] == ["db"]


def test_dependency_errors(catalog_client: TestClient) -> None:
    cycle = error_of(
        catalog_client.post("/api/v1/services/db/dependencies", json={"depends_on": "gateway"}), 409
    )
    assert (
        cycle["message"]
        == "db cannot depend on gateway: that closes the loop db -> gateway -> auth -> db"
    )
    error_of(
        catalog_client.post("/api/v1/services/auth/dependencies", json={"depends_on": "db"}), 409
    )
    error_of(
        catalog_client.post("/api/v1/services/nope/dependencies", json={"depends_on": "db"}), 404
    )
    error_of(catalog_client.delete("/api/v1/services/db/dependencies/auth"), 404)
    error_of(catalog_client.get("/api/v1/services/nope/dependencies"), 404)


def test_blast_radius(catalog_client: TestClient) -> None:
    radius = catalog_client.get("/api/v1/services/db/blast-radius").json()
    assert [(s["slug"], s["hops"]) for s in radius["services"]] == [
        ("auth", 1),
        ("search", 1),
        ("gateway", 2),
    ]
    assert [j["slug"] for j in radius["journeys"]] == ["login"]
    error_of(catalog_client.get("/api/v1/services/nope/blast-radius"), 404)


# --- journeys, vendors, RACI ------------------------------------------------------------


def test_journeys(catalog_client: TestClient) -> None:
    assert catalog_client.get("/api/v1/journeys/login").json()["services"] == ["gateway", "auth"]
    assert [
        j["slug"] for j in catalog_client.get("/api/v1/journeys", params={"service": "auth"}).json()
    ] == ["login"]
    assert catalog_client.get("/api/v1/journeys", params={"service": "search"}).json() == []
    updated = catalog_client.patch(
        "/api/v1/journeys/login",
        json={"version": 1, "services": ["gateway", "auth", "db"], "criticality": "critical"},
    )
    assert updated.json()["services"] == ["gateway", "auth", "db"]
    error_of(catalog_client.get("/api/v1/journeys/nope"), 404)
    body = {
        "slug": "x",
        "name": "X",
        "platform": "procurement",
        "owner": "identity",
        "services": [],
    }
    assert "services" in error_of(catalog_client.post("/api/v1/journeys", json=body), 422)["fields"]
    error_of(
        catalog_client.post("/api/v1/journeys", json={**body, "slug": "xx", "services": ["ghost"]}),
        422,
    )


VENDOR = {
    "slug": "cloudco",
    "name": "CloudCo",
    "products": ["Managed PostgreSQL"],
    "support_contacts": [{"name": "Desk", "email": "desk@cloudco.example", "hours": "24x7"}],
    "escalation": [
        {"level": 1, "contact": "Desk", "response_minutes": 15},
        {"level": 2, "contact": "TAM", "response_minutes": 60},
    ],
    "contract_reference": "MSA-2024-017",
    "sla_terms": {"availability": 99.95, "credits": "10% per 0.1%"},
    "services": [{"service": "db", "relation": "runs"}],
}


def test_vendors(catalog_client: TestClient) -> None:
    vendor = created(catalog_client, "/api/v1/vendors", VENDOR)
    assert [lvl["response_minutes"] for lvl in vendor["escalation"]] == [15, 60]
    assert [
        v["slug"] for v in catalog_client.get("/api/v1/vendors", params={"service": "db"}).json()
    ] == ["cloudco"]
    updated = catalog_client.patch(
        "/api/v1/vendors/cloudco",
        json={
            "version": 1,
            "escalation": [{"level": 1, "contact": "Desk", "response_minutes": 10}],
        },
    )
    assert [lvl["response_minutes"] for lvl in updated.json()["escalation"]] == [10]
    assert catalog_client.get("/api/v1/vendors/cloudco").json()["services"] == [
        {"service": "db", "relation": "runs"}
    ]


def test_vendor_errors(catalog_client: TestClient) -> None:
    gap = {**VENDOR, "escalation": [{"level": 2, "contact": "TAM", "response_minutes": 60}]}
    assert "escalation" in error_of(catalog_client.post("/api/v1/vendors", json=gap), 422)["fields"]
    error_of(
        catalog_client.post("/api/v1/vendors", json={**VENDOR, "services": [{"service": "ghost"}]}),
        422,
    )
    error_of(catalog_client.get("/api/v1/vendors/nope"), 404)
    assert catalog_client.get("/api/v1/vendors").json() == []


def test_raci_matrix_and_gaps(catalog_client: TestClient) -> None:
    parties = {
        "parties": [
            {"letter": "A", "role": "operations manager"},
            {"letter": "R", "squad": "identity"},
        ]
    }
    matrix = catalog_client.put("/api/v1/raci/db/incident_response", json=parties).json()
    assert matrix["rows"]["db"]["incident_response"] == [
        {"letter": "A", "party": "role:operations manager"},
        {"letter": "R", "party": "squad:identity"},
    ]
    gaps = catalog_client.get("/api/v1/raci", params={"platform": "procurement"}).json()["gaps"]
    assert {"service": "db", "activity": "incident_response"} not in [
        {k: g[k] for k in ("service", "activity")} for g in gaps
    ]
    assert {"service": "db", "activity": "capacity", "problem": "nobody is accountable"} in gaps


def test_raci_errors(catalog_client: TestClient) -> None:
    both = {"parties": [{"letter": "A", "role": "om", "squad": "identity"}]}
    error_of(catalog_client.put("/api/v1/raci/db/incident_response", json=both), 422)
    error_of(catalog_client.put("/api/v1/raci/db/dancing", json={"parties": []}), 422)
    error_of(catalog_client.put("/api/v1/raci/nope/incident_response", json={"parties": []}), 404)
    assert error_of(
        catalog_client.put(
            "/api/v1/raci/db/capacity", json={"parties": [{"letter": "A", "squad": "ghosts"}]}
        ),
        422,
    )["fields"] == {"squad": "unknown squad 'ghosts'"}


# --- catalog as code --------------------------------------------------------------------

CATALOG_YAML = """\
version: 1
platforms:
  - {slug: commerce, name: Commerce}
squads:
  - {slug: checkout-team, name: Checkout, platform: commerce}
services:
  - {slug: checkout, name: Checkout, platform: commerce, owner: checkout-team, tier: 1, depends_on: [auth]}
"""


def test_apply_and_export_yaml(catalog_client: TestClient) -> None:
    applied = catalog_client.post(
        "/api/v1/catalog/apply", content=CATALOG_YAML, headers={"content-type": "application/yaml"}
    )
    assert applied.json()["created"] == {"platforms": 1, "squads": 1, "services": 1}
    assert catalog_client.get("/api/v1/services/db/blast-radius").json()["platforms"] == [
        "commerce",
        "procurement",
    ]
    exported = catalog_client.get("/api/v1/catalog/export")
    assert exported.headers["content-type"].startswith("application/yaml")
    assert "- slug: checkout\n" in exported.text
    again = catalog_client.post("/api/v1/catalog/apply", content=exported.text)
    assert again.json()["created"] == {} and again.json()["updated"] == {}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (CATALOG_YAML.replace("tier: 1", "tier: high"), "line 7: services[0].tier"),
        (
            CATALOG_YAML.replace("depends_on: [auth]", "depends_on: [ghost]"),
            "line 7: services[0].depends_on",
        ),
        (CATALOG_YAML + "  - {slug: [\n", "not valid YAML"),
        (b"\xff\xfe", "UTF-8"),
    ],
)
def test_bad_catalog_file_is_refused_and_applies_nothing(
    catalog_client: TestClient, body: str | bytes, where: str
) -> None:
    error = error_of(catalog_client.post("/api/v1/catalog/apply", content=body), 422)
    assert where in error["message"]
    error_of(catalog_client.get("/api/v1/platforms/commerce"), 404)
