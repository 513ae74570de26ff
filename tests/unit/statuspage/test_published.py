"""The rendered pages kept in memory: built once, served until stale or until the news
empties the shelf, and served stale to readers while one request rebuilds."""

from __future__ import annotations

from datetime import timedelta

from opsroom.infra import clock
from opsroom.statuspage.domain import Visibility
from opsroom.statuspage.published import FRESH_FOR, Shelf


def test_a_page_is_built_once_while_fresh_and_keeps_its_validators_while_unchanged(
    frozen_clock: clock.FrozenClock,
) -> None:
    shelf, builds = Shelf(), []

    def build() -> tuple[bytes, Visibility]:
        builds.append(1)
        return b"<p>all good</p>", Visibility.PUBLIC

    first = shelf.fetch("retail", "html", build)
    assert shelf.serving("retail", "html") == first
    frozen_clock.advance(FRESH_FOR)
    assert shelf.serving("retail", "html") is None
    again = shelf.fetch("retail", "html", build)
    assert len(builds) == 2
    assert (again.etag, again.last_modified) == (first.etag, first.last_modified)


def test_readers_get_the_stale_page_while_it_is_rebuilt_and_nothing_once_the_news_came(
    frozen_clock: clock.FrozenClock,
) -> None:
    shelf = Shelf()
    stale = shelf.fetch("retail", "json", lambda: (b"{}", Visibility.PUBLIC))
    frozen_clock.advance(FRESH_FOR + timedelta(seconds=1))

    def slow_build() -> tuple[bytes, Visibility]:
        assert shelf.serving("retail", "json") == stale  # asked during the rebuild
        return b'{"state": "major_outage"}', Visibility.PUBLIC

    rebuilt = shelf.fetch("retail", "json", slow_build)
    assert rebuilt.etag != stale.etag
    shelf.forget()  # an incident changed
    assert shelf.serving("retail", "json") is None
