"""/api/v1/mail and the /mail page: the mail received counted by outcome, held mail accepted
as a ticket or discarded; and a requester's files downloaded from their ticket by those who
may see it."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.mailin import service
from tests.conftest import bearer_for, client_as
from tests.mail import desk_by_mail, written

HTML = {"Accept": "text/html"}
PNG = b"\x89PNG\r\n\x1a\n<script>alert(1)</script>"


@pytest.fixture
def mail_settings(settings: Settings) -> Settings:
    ready = desk_by_mail(settings)
    with session_scope(ready) as s:
        service.receive(s, written(sender="carl@newco.example"), via="smtp")
        service.receive(s, written(files=(("shot.png", "image/png", PNG),)), via="smtp")
        service.receive(s, written(Auto_Submitted="auto-replied"), via="imap")
    return ready


@pytest.fixture
def staff(mail_settings: Settings) -> Iterator[TestClient]:
    bearer = bearer_for(mail_settings, "agent@example.com", Role.RESPONDER)
    with client_as(mail_settings, bearer) as client:
        yield client


def test_held_mail_is_listed_counted_and_accepted_as_a_ticket(staff: TestClient) -> None:
    assert staff.get("/api/v1/mail/counts").json() == {
        "ticket_opened": 1,
        "reply": 0,
        "vendor_reply": 0,
        "held": 1,
        "loop": 1,
        "malformed": 0,
        "accepted": 0,
        "discarded": 0,
    }
    [held] = staff.get("/api/v1/mail", params={"outcome": "held"}).json()["items"]
    assert (held["sender"], held["reason"]) == (
        "carl@newco.example",
        "carl@newco.example is not a known requester",
    )
    unnamed = staff.post(f"/api/v1/mail/{held['id']}/accept", json={})
    assert (unnamed.status_code, unnamed.json()["error"]["fields"]) == (
        422,
        {"organisation": "Field required"},
    )
    unknown = staff.post(
        f"/api/v1/mail/{held['id']}/accept", json={"organisation": "NewCo", "service": "nope"}
    )
    assert unknown.json()["error"]["fields"] == {"service": "unknown service"}
    accepted = staff.post(f"/api/v1/mail/{held['id']}/accept", json={"organisation": "NewCo"})
    assert (accepted.json()["outcome"], accepted.json()["subject_key"]) == ("accepted", "TKT-2")
    assert staff.get("/api/v1/tickets/TKT-2").json()["requester"] == "carl@newco.example"
    again = staff.post(f"/api/v1/mail/{held['id']}/discard")
    assert (again.status_code, again.json()["error"]["message"]) == (
        409,
        f"mail {held['id']} is accepted, not held",
    )
    assert staff.post("/api/v1/mail/999/discard").status_code == 404


def test_a_requester_downloads_their_file_and_another_organisation_cannot(
    mail_settings: Settings, staff: TestClient
) -> None:
    [kept] = staff.get("/api/v1/tickets/TKT-1").json()["attachments"]
    path = f"/api/v1/tickets/TKT-1/attachments/{kept['id']}"
    own = bearer_for(mail_settings, "bo@acme.example", Role.REQUESTER, organisation="Acme")
    with client_as(mail_settings, own) as requester:
        got = requester.get(path)
        assert requester.get("/api/v1/mail").status_code == 403
    assert (got.status_code, got.content) == (200, PNG)
    assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''shot.png"
    assert got.headers["x-content-type-options"] == "nosniff"
    other = bearer_for(mail_settings, "gus@globex.example", Role.REQUESTER, organisation="Globex")
    with client_as(mail_settings, other) as outsider:
        assert outsider.get(path).status_code == 404
    assert staff.get("/api/v1/tickets/TKT-1/attachments/999").status_code == 404


def test_the_mail_page_shows_held_mail_and_refuses_an_accept_in_place(staff: TestClient) -> None:
    page = staff.get("/mail", headers=HTML)
    assert "carl@newco.example is not a known requester" in unescape(page.text)
    held = staff.get("/api/v1/mail", params={"outcome": "held"}).json()["items"][0]["id"]
    refused = staff.post(f"/mail/{held}/accept", data={}, headers=HTML, follow_redirects=False)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text
    discarded = staff.post(f"/mail/{held}/discard", headers=HTML, follow_redirects=False)
    assert (discarded.status_code, discarded.headers["location"]) == (303, "/mail")
    loops = staff.get("/mail", params={"outcome": "loop"}, headers=HTML).text
    assert "Auto-Submitted: auto-replied" in loops


def test_the_ticket_page_lists_the_files_kept(staff: TestClient) -> None:
    page = staff.get("/tickets/TKT-1", headers=HTML).text
    assert 'href="/tickets/TKT-1/attachments/1" download>shot.png</a>' in page
