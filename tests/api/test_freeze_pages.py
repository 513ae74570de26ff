"""The freezes page: declaring a freeze over what it names, "everything" offered only to an
administrator, refusals beside the form, ending a running freeze today and removing one."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.api.test_web_auth import browser, page_token, person, sign_in

OM = "om@example.com"
EVERYTHING_BOX = 'name="everything"'


@pytest.fixture
def api(catalog_client: TestClient, settings: Settings) -> TestClient:
    """procurement (db, auth, ...) governed by the operations manager, and commerce (cart)."""
    created(catalog_client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    created(
        catalog_client, "/api/v1/squads", {"slug": "shop", "name": "Shop", "platform": "commerce"}
    )
    cart = {"slug": "cart", "name": "Cart", "tier": 1, "platform": "commerce", "owner": "shop"}
    created(catalog_client, "/api/v1/services", cart)
    person(settings, OM, Role.OPERATIONS_MANAGER)
    assigned = {"platforms": ["procurement"]}
    assert catalog_client.put(f"/api/v1/users/{OM}/platforms", json=assigned).status_code == 200
    return catalog_client


@pytest.fixture
def om(api: TestClient, settings: Settings) -> Iterator[TestClient]:
    with browser(settings) as client:
        assert sign_in(client, OM).status_code == 303
        yield client


def declare(client: TestClient, **scope: list[str] | str) -> httpx.Response:
    form = {
        "slug": "year-end",
        "name": "Year end",
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "csrf_token": page_token(client.get("/freezes")),
        **scope,
    }
    return client.post("/freezes", data=form, follow_redirects=False)


def test_an_operations_manager_freezes_their_own_platform(om: TestClient, api: TestClient) -> None:
    page = om.get("/freezes")
    assert "Declare a freeze" in page.text and EVERYTHING_BOX not in page.text
    saved = declare(om, services=["db", "auth"])
    assert saved.status_code == 303 and saved.headers["location"] == "/freezes"
    frozen = api.get("/api/v1/freezes/year-end").json()
    assert (frozen["services"], frozen["everything"]) == (["db", "auth"], False)
    assert "Year end" in om.get("/freezes?platform=procurement").text
    assert "Year end" not in om.get("/freezes?platform=commerce").text


def test_another_platform_s_freeze_is_refused_beside_the_form(
    om: TestClient, api: TestClient
) -> None:
    refused = declare(om, platforms=["commerce"])
    assert refused.status_code == 403
    assert "not assigned to commerce" in refused.text
    assert 'id="declare-freeze" open' in refused.text
    assert api.get("/api/v1/freezes").json() == []


def test_a_freeze_names_what_it_freezes(om: TestClient, api: TestClient) -> None:
    refused = declare(om)
    assert refused.status_code == 422
    assert api.get("/api/v1/freezes").json() == []


def test_only_an_administrator_is_offered_everything_and_it_is_shown_as_such(
    api: TestClient, settings: Settings
) -> None:
    with browser(settings) as admin:
        person(settings, "root@example.com", Role.ADMIN)
        assert sign_in(admin, "root@example.com").status_code == 303
        assert EVERYTHING_BOX in admin.get("/freezes").text
        assert declare(admin, everything="true").status_code == 303
        assert "Everything: every platform</strong>" in admin.get("/freezes").text


def test_a_running_freeze_ends_today_and_a_freeze_is_removed(
    om: TestClient, api: TestClient
) -> None:
    declare(om, platforms=["procurement"])
    token = page_token(om.get("/freezes"))
    ended = om.post("/freezes/year-end/end", data={"csrf_token": token}, follow_redirects=False)
    assert ended.status_code == 303
    assert api.get("/api/v1/freezes/year-end").json()["ends_on"] == "2026-11-02"
    again = om.post("/freezes/year-end/end", data={"csrf_token": token})
    assert again.status_code == 409 and "already ends by today" in again.text
    removed = om.post(
        "/freezes/year-end/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert api.get("/api/v1/freezes/year-end").status_code == 404


def test_the_api_ends_a_running_freeze_and_refuses_one_not_begun(api: TestClient) -> None:
    later = {"slug": "later", "name": "Later", "starts_on": "2026-12-01", "ends_on": "2026-12-05"}
    created(api, "/api/v1/freezes", later | {"platforms": ["commerce"]})
    refused = api.post("/api/v1/freezes/later/end")
    assert refused.status_code == 409
    assert "has not begun yet" in refused.json()["error"]["message"]
    assert api.get("/api/v1/freezes/later").json()["ends_on"] == "2026-12-05"
    assert api.post("/api/v1/freezes/nothing/end").status_code == 404
