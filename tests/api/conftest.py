from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


def created(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def catalog_client(client: TestClient) -> TestClient:
    """procurement / identity / db <- auth <- gateway, search -> db; journey login."""
    created(client, "/api/v1/platforms", {"slug": "procurement", "name": "Procurement"})
    created(
        client,
        "/api/v1/squads",
        {"slug": "identity", "name": "Identity", "platform": "procurement"},
    )
    service = {"platform": "procurement", "owner": "identity"}
    created(client, "/api/v1/services", {"slug": "db", "name": "DB", "tier": 2, **service})
    created(
        client,
        "/api/v1/services",
        {"slug": "auth", "name": "Auth", "tier": 1, "depends_on": ["db"], **service},
    )
    created(
        client,
        "/api/v1/services",
        {"slug": "gateway", "name": "Gateway", "tier": 1, "depends_on": ["auth"], **service},
    )
    created(
        client,
        "/api/v1/services",
        {"slug": "search", "name": "Search", "tier": 3, "depends_on": ["db"], **service},
    )
    created(
        client,
        "/api/v1/journeys",
        {
            "slug": "login",
            "name": "Login",
            "platform": "procurement",
            "owner": "identity",
            "services": ["gateway", "auth"],
        },
    )
    return client


@pytest.fixture
def customers(catalog_client: TestClient) -> TestClient:
    """catalog_client with the desk's customer organisations Acme and Globex (procurement)."""
    for name in ("Acme", "Globex"):
        created(
            catalog_client, "/api/v1/organisations", {"name": name, "platforms": ["procurement"]}
        )
    return catalog_client
