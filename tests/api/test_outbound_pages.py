"""Jira and Confluence in the browser: the platform's connections page and the panel on an
action item's page that sends it to Jira, refusals shown beside the form."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import created

JIRA = {
    "base_url": "https://example.atlassian.net",
    "project_key": "PAY",
    "email": "ops@example.com",
    "api_token": "atlassian-api-token",
    "version": "0",
}


def test_connections_are_set_up_from_their_page(catalog_client: TestClient) -> None:
    page = catalog_client.get("/platforms/procurement/atlassian")
    assert page.status_code == 200 and "Not set" in page.text
    every = JIRA | {"create_for_new_actions": "true"}
    saved = catalog_client.post("/platforms/procurement/jira", data=every, follow_redirects=False)
    assert saved.status_code == 303
    assert catalog_client.get("/api/v1/platforms/procurement/jira").json()["create_for_new_actions"]
    shown = catalog_client.get("/platforms/procurement/atlassian").text
    assert "Set; leave blank to keep it" in shown
    assert "atlassian-api-token" not in shown
    assert "/api/v1/platforms/procurement/jira/webhook" in shown
    refused = catalog_client.post(
        "/platforms/procurement/confluence",
        data={"base_url": "https://example.atlassian.net", "space_id": "OPS", "email": "o@x.io"},
    )
    assert refused.status_code == 422
    assert 'name="space_id"' in refused.text and 'aria-invalid="true"' in refused.text
    assert catalog_client.get("/platforms/nowhere/atlassian").status_code == 404


def test_an_action_item_is_sent_to_jira_from_its_page(catalog_client: TestClient) -> None:
    key = created(
        catalog_client,
        "/api/v1/actions",
        {"title": "Add a retry budget", "owner_squad": "identity"},
    )["key"]
    before = catalog_client.get(f"/actions/{key}").text
    assert "This platform has no Jira set up" in before
    assert "/platforms/procurement/atlassian" in before
    refused = catalog_client.post(f"/outbound/{key}/jira")
    assert refused.status_code == 404 and "no Jira is set up" in refused.text
    catalog_client.post("/platforms/procurement/jira", data=JIRA)
    sent = catalog_client.post(f"/outbound/{key}/jira", follow_redirects=False)
    assert (sent.status_code, sent.headers["location"]) == (303, f"/actions/{key}#outbound")
    after = catalog_client.get(f"/actions/{key}").text
    assert "queued, created shortly" in after and "Create a Jira issue" not in after
    again = catalog_client.post(f"/outbound/{key}/jira")
    assert again.status_code == 409 and 'role="alert"' in again.text
