"""Signing in through the browser: cookies, CSRF, throttling, expiry and where people land."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from opsroom import demo
from opsroom.auth import service as auth
from opsroom.auth.domain import Role
from opsroom.auth.schemas import UserCreate
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.app import create_app
from tests.conftest import ADMIN

PASSWORD = "correct horse battery"
WRONG = "incorrect horse battery"
OM = "om@example.com"
SIGNED_OUT = "that email and password do not match an account"


def person(settings: Settings, email: str, role: Role, vendor: str | None = None) -> None:
    with session_scope(settings) as s:
        data = UserCreate(
            email=email, display_name=email, role=role, vendor=vendor, password=PASSWORD
        )
        auth.create_user(s, actor=ADMIN, data=data)


def browser(settings: Settings) -> TestClient:
    """A client that asks for pages, as a browser does, and keeps its cookies."""
    return TestClient(
        create_app(settings),
        base_url="https://testserver" if settings.uses_tls else "http://testserver",
        raise_server_exceptions=False,
        headers={"accept": "text/html"},
    )


def login_token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def page_token(page: httpx.Response) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def sign_in(
    client: TestClient, email: str, password: str = PASSWORD, *, next: str = "/"
) -> httpx.Response:
    token = login_token(client.get("/login"))
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": next},
        follow_redirects=False,
    )


def set_cookie(response: httpx.Response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}="))


@pytest.fixture
def om(settings: Settings, catalog_client: TestClient) -> Iterator[TestClient]:
    """An operations manager signed in through the login form, over the test catalog."""
    person(settings, OM, Role.OPERATIONS_MANAGER)
    with browser(settings) as client:
        assert sign_in(client, OM).status_code == 303
        yield client


def _service(catalog_client: TestClient, slug: str) -> dict[str, object]:
    found: dict[str, object] = catalog_client.get(f"/api/v1/services/{slug}").json()
    return found


def _edit(client: TestClient, token: str | None, **changes: object) -> httpx.Response:
    form = {"version": 1, "tier": 2, "lifecycle": "live", "run_by": "squad", **changes}
    if token is not None:
        form["csrf_token"] = token
    return client.post("/services/db/edit", data=form, follow_redirects=False)


# --- signing in ---------------------------------------------------------------------------


def test_signing_in_sets_a_session_cookie_scripts_cannot_read(settings: Settings) -> None:
    person(settings, OM, Role.OPERATIONS_MANAGER)
    with browser(settings) as client:
        form = client.get("/login?next=/services")
        signed_in = sign_in(client, OM, next="/services")

    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/services"
    cookie = set_cookie(signed_in, "opsroom_session").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/;" in cookie
    assert f"max-age={int(auth.SESSION_LIFETIME.total_seconds())}" in cookie
    assert "secure" not in cookie
    form_cookie = set_cookie(form, "opsroom_login_csrf").lower()
    assert "httponly" in form_cookie and "samesite=strict" in form_cookie


def test_cookies_are_secure_over_tls(settings: Settings) -> None:
    tls = settings.model_copy(update={"secure_cookies": True})
    person(tls, OM, Role.OPERATIONS_MANAGER)
    with browser(tls) as client:
        form = client.get("/login")
        signed_in = sign_in(client, OM)
    assert "; secure" in set_cookie(form, "opsroom_login_csrf").lower()
    assert "; secure" in set_cookie(signed_in, "opsroom_session").lower()


def test_wrong_password_and_unknown_email_get_the_same_answer(settings: Settings) -> None:
    person(settings, OM, Role.OPERATIONS_MANAGER)
    with browser(settings) as client:
        wrong_password = sign_in(client, OM, WRONG)
        unknown = sign_in(client, "nobody@example.com")

    for refused in (wrong_password, unknown):
        assert refused.status_code == 401
        assert "That email and password do not match an account." in refused.text
        assert "opsroom_session" not in refused.headers.get("set-cookie", "")


def test_sixth_attempt_is_throttled_even_with_the_right_password(settings: Settings) -> None:
    person(settings, OM, Role.OPERATIONS_MANAGER)
    with browser(settings) as client:
        failures = [sign_in(client, OM, WRONG).status_code for _ in range(5)]
        throttled = sign_in(client, OM)

    assert failures == [401] * 5
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "900"
    assert "Too many failed sign-ins" in throttled.text
    assert "opsroom_session" not in throttled.headers.get("set-cookie", "")


def test_login_form_without_its_token_is_refused(settings: Settings) -> None:
    person(settings, OM, Role.OPERATIONS_MANAGER)
    with browser(settings) as client:
        client.get("/login")
        forged = client.post(
            "/login",
            data={"email": OM, "password": PASSWORD, "csrf_token": "forged"},
            follow_redirects=False,
        )
    assert forged.status_code == 403
    assert "This sign-in form has expired" in forged.text
    assert "opsroom_session" not in forged.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/%0d%0aSet-Cookie:x=y\r\n",
    ],
)
def test_sign_in_never_sends_people_to_another_site(settings: Settings, target: str) -> None:
    person(settings, OM, Role.OPERATIONS_MANAGER)
    with browser(settings) as client:
        form = client.get("/login", params={"next": target})
        signed_in = sign_in(client, OM, next=target)
    assert 'name="next" value="/"' in form.text
    assert signed_in.headers["location"] == "/"


def test_sign_in_returns_to_the_page_asked_for(settings: Settings) -> None:
    with browser(settings) as client:
        bounced = client.get("/services?tier=1", follow_redirects=False)
        person(settings, OM, Role.OPERATIONS_MANAGER)
        signed_in = sign_in(client, OM, next="/services?tier=1")

    assert bounced.status_code == 303
    assert bounced.headers["location"] == "/login?next=%2Fservices%3Ftier%3D1"
    assert signed_in.headers["location"] == "/services?tier=1"


def test_htmx_requests_without_a_session_reload_the_login_page(settings: Settings) -> None:
    with browser(settings) as client:
        refused = client.get(
            "/services?tier=2",
            headers={"hx-request": "true", "hx-current-url": "http://testserver/services?tier=1"},
        )
    assert refused.status_code == 401
    assert refused.headers["hx-redirect"] == "/login?next=%2Fservices%3Ftier%3D1"


def test_session_expires(settings: Settings, frozen_clock: clock.FrozenClock) -> None:
    person(settings, OM, Role.OPERATIONS_MANAGER)
    with browser(settings) as client:
        sign_in(client, OM)
        assert client.get("/", follow_redirects=False).status_code == 200
        frozen_clock.advance(auth.SESSION_LIFETIME + timedelta(seconds=1))
        expired = client.get("/", follow_redirects=False)
    assert expired.status_code == 303
    assert expired.headers["location"] == "/login"


def test_password_is_never_echoed_back(settings: Settings) -> None:
    person(settings, OM, Role.OPERATIONS_MANAGER)
    with browser(settings) as client:
        responses = [sign_in(client, OM, WRONG), sign_in(client, OM)]
        responses += [client.get("/"), client.get("/login", follow_redirects=False)]
        for secret in (PASSWORD, WRONG):
            responses.append(client.post("/login", data={"password": secret, "email": "x" * 400}))
    for response in responses:
        shown = response.text + str(response.headers)
        assert PASSWORD not in shown and WRONG not in shown


# --- signed in ----------------------------------------------------------------------------


def test_layout_shows_who_is_signed_in_and_carries_the_csrf_token(om: TestClient) -> None:
    page = om.get("/services")
    token = page_token(page)
    assert 'om@example.com <span class="role-badge">operations manager</span>' in page.text
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in page.text
    assert f'name="csrf_token" value="{token}"' in page.text


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_page_form_without_the_csrf_token_is_refused(
    om: TestClient, catalog_client: TestClient, token: str | None
) -> None:
    refused = _edit(om, token, tier=1)
    assert refused.status_code == 403
    assert "security token is missing or stale" in refused.text
    assert _service(catalog_client, "db")["tier"] == 2
    assert _service(catalog_client, "db")["version"] == 1


def test_htmx_sends_the_token_as_a_header(om: TestClient, catalog_client: TestClient) -> None:
    token = page_token(om.get("/services/db"))
    saved = om.post(
        "/services/db/edit",
        data={"version": 1, "tier": 1, "lifecycle": "live", "run_by": "squad"},
        headers={"x-csrf-token": token, "hx-request": "true"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/services/db"
    assert _service(catalog_client, "db")["tier"] == 1


def test_sign_out_needs_the_csrf_token(om: TestClient) -> None:
    token = page_token(om.get("/"))
    for stale in ("stale", "é-not-ascii"):
        refused = om.post("/logout", data={"csrf_token": stale}, follow_redirects=False)
        assert refused.status_code == 403
    assert om.get("/", follow_redirects=False).status_code == 200

    signed_out = om.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert signed_out.headers["location"] == "/login"
    assert 'opsroom_session=""' in set_cookie(signed_out, "opsroom_session")
    assert om.get("/", follow_redirects=False).headers["location"] == "/login"


def test_edit_form_saves_and_shows_refusals_next_to_the_fields(
    om: TestClient, catalog_client: TestClient
) -> None:
    token = page_token(om.get("/services/db"))
    assert 'id="edit-service"' in om.get("/services/db").text

    invalid = _edit(om, token, tier=9, runbook_url="not a url", tags="ok, " + "x" * 51)
    assert invalid.status_code == 422
    for field in ("tier", "runbook_url", "tags"):
        assert f'id="edit-{field}-error"' in invalid.text
    assert _edit(om, token, tier=1, tags="pci, core").status_code == 303
    stale = _edit(om, token, tier=3)
    assert stale.status_code == 409
    assert "was changed by someone else" in stale.text
    assert 'value="3" selected' in stale.text
    saved = _service(catalog_client, "db")
    assert (saved["tier"], saved["tags"], saved["version"]) == (1, ["pci", "core"], 2)


def test_dependency_that_closes_a_loop_is_refused_and_nothing_changes(
    om: TestClient, catalog_client: TestClient
) -> None:
    token = page_token(om.get("/services/db"))
    refused = om.post(
        "/services/db/dependencies", data={"depends_on": "gateway", "csrf_token": token}
    )
    assert refused.status_code == 409
    assert "would create a dependency cycle" in refused.text
    assert "db -&gt; gateway -&gt; auth -&gt; db" in refused.text
    added = om.post(
        "/services/search/dependencies",
        data={"depends_on": "auth", "csrf_token": token},
        follow_redirects=False,
    )
    assert added.headers["location"] == "/services/search"
    deps = catalog_client.get("/api/v1/services/db/dependencies").json()
    assert deps["depends_on"] == []


# --- roles --------------------------------------------------------------------------------


def test_viewer_sees_no_edit_controls_and_cannot_post_them(
    settings: Settings, catalog_client: TestClient
) -> None:
    person(settings, "viewer@example.com", Role.VIEWER)
    with browser(settings) as viewer:
        sign_in(viewer, "viewer@example.com")
        page = viewer.get("/services/db")
        refused = _edit(viewer, page_token(page), tier=1)
    assert page.status_code == 200
    assert "edit-service" not in page.text and "add-dependency" not in page.text
    assert refused.status_code == 403
    assert "You need the squad lead role for this." in refused.text
    assert _service(catalog_client, "db")["tier"] == 2


def test_vendor_contact_is_told_why_and_can_still_sign_out(
    settings: Settings, catalog_client: TestClient
) -> None:
    catalog_client.post("/api/v1/vendors", json={"slug": "cloudco", "name": "CloudCo"})
    person(settings, "v@cloudco.example", Role.VENDOR_CONTACT, vendor="cloudco")
    with browser(settings) as vendor:
        sign_in(vendor, "v@cloudco.example")
        refused = vendor.get("/services")
        signed_out = vendor.post(
            "/logout", data={"csrf_token": page_token(refused)}, follow_redirects=False
        )
    assert refused.status_code == 403
    assert "Vendor contacts see only what their vendor is engaged on." in refused.text
    assert signed_out.headers["location"] == "/login"


# --- demo mode ----------------------------------------------------------------------------


def test_login_page_lists_demo_accounts_in_demo_mode_only(settings: Settings) -> None:
    with browser(settings) as client:
        assert "Demo accounts" not in client.get("/login").text
        with session_scope(settings) as s:
            created = demo.load(s, history=False)["created"]["user"]
        with session_scope(settings) as s:
            again = demo.load(s, history=False)
        page = client.get("/login").text
        signed_in = sign_in(client, "lead.ordering@example.com", demo.DEMO_PASSWORD)

    assert created == len(demo.DEMO_ACCOUNTS) and "user" not in again["created"]
    assert demo.DEMO_PASSWORD in page
    for email, *_ in demo.DEMO_ACCOUNTS:
        assert email in page
    assert signed_in.status_code == 303
