"""A published review becomes a Confluence page in storage format: created once, updated
under its next version when sent again; requests checked against Confluence's published
OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict
from opsroom.outbound import schemas
from opsroom.outbound import service as outbound
from opsroom.reviews import schemas as review_schemas
from opsroom.reviews import service as reviews
from opsroom.reviews.domain import Transition
from opsroom.runtime.worker import run_once
from tests.atlassian import Site, atlassian_site
from tests.improvement import MANAGER, PAYMENTS_LEAD, RESPONDER, resolved, two_squads


@pytest.fixture
def site() -> Iterator[Site]:
    with atlassian_site() as running:
        yield running


def _connect(session: Session, site: Site) -> Any:
    data = schemas.ConfluenceConnectionIn(
        base_url=site.url,
        space_id="98306",
        parent_id="65000",
        email="ops@example.com",
        api_token="atlassian-api-token",
    )
    return outbound.replace_confluence(session, actor=MANAGER, platform="procurement", data=data)


def _written(session: Session) -> str:
    """A resolved incident's review, written as `<b>` and all and submitted."""
    key = resolved(session).key
    data = review_schemas.ReviewUpdate(
        version=1,
        summary="Checkout failed for all buyers <b>for an hour</b>.",
        what_happened="The payment gateway pool ran dry.",
        contributing_factors="- No alert on pool saturation",
    )
    reviews.update(session, actor=RESPONDER, key=key, data=data)
    action = review_schemas.ReviewAction(title="Alert on pool saturation", owner_squad="payments")
    reviews.add_action(session, actor=RESPONDER, key=key, data=action)
    _move(session, key, Transition.SUBMIT, RESPONDER)
    return key


def _move(session: Session, key: str, move: Transition, actor: Any) -> None:
    reviews.transition(session, actor=actor, key=key, move=move, data=review_schemas.ReviewMove())


def test_publishing_a_review_files_it_in_confluence(settings: Settings, site: Site) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        _connect(s, site)
        key = _written(s)
        with pytest.raises(Conflict, match="not published"):
            outbound.request_page(s, actor=RESPONDER, key=key)
        _move(s, key, Transition.PUBLISH, PAYMENTS_LEAD)
    run_once(settings, owner="w")
    [created] = site.valid()
    assert (created.method, created.path) == ("POST", "/wiki/api/v2/pages")
    page = created.body
    assert (page["spaceId"], page["parentId"], page["status"]) == ("98306", "65000", "current")
    assert page["title"] == f"{key}: Checkout fails (post-incident review)"
    assert page["body"]["representation"] == "storage"
    storage = page["body"]["value"]
    assert "<h2>Summary</h2>" in storage
    assert "&lt;b&gt;for an hour&lt;/b&gt;" in storage  # what people typed stays text
    with session_scope(settings) as s:
        [link] = outbound.links(s, actor=RESPONDER, key=key)
        assert (link.state, link.remote_id, link.remote_version) == ("linked", "65536", 1)
        assert link.url == f"{site.url}/wiki/spaces/OPS/pages/65536"
        outbound.request_page(s, actor=RESPONDER, key=key)  # sent again: the page is updated
    run_once(settings, owner="w")
    updated = site.valid()[1]
    assert (updated.method, updated.path) == ("PUT", "/wiki/api/v2/pages/65536")
    assert (updated.body["id"], updated.body["version"]["number"]) == ("65536", 2)
    with session_scope(settings) as s:
        [link] = outbound.links(s, actor=RESPONDER, key=key)
        assert (link.state, link.remote_version) == ("linked", 2)


def test_a_stale_page_version_is_shown_as_confluence_words_it(
    settings: Settings, site: Site
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        _connect(s, site)
        key = _written(s)
        _move(s, key, Transition.PUBLISH, PAYMENTS_LEAD)
    run_once(settings, owner="w")
    site.pages["65536"] = 5  # someone edited the page in Confluence meanwhile
    with session_scope(settings) as s:
        outbound.request_page(s, actor=RESPONDER, key=key)
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        [link] = outbound.links(s, actor=RESPONDER, key=key)
        assert (link.state, link.last_error) == ("failed", "HTTP 409: Version must be incremented")


def test_the_site_refuses_what_the_published_documents_do_not_allow(site: Site) -> None:
    """The check the other tests rely on: requests off the published shape are caught."""
    httpx.post(f"{site.url}/rest/api/3/issue", json={"fields": {"project": {"key": "PAY"}}})
    httpx.put(
        f"{site.url}/wiki/api/v2/pages/65536",
        json={"id": "65536", "status": "current", "title": "t", "body": {}},
        auth=("ops@example.com", "token"),
    )
    unsigned, no_version = [r.problems for r in site.received]
    assert any("Security not found" in p for p in unsigned)
    assert any("version" in p for p in no_version)
