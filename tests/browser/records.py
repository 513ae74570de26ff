"""Finding a record's page the way a person does: from a list page, its first link to one."""

from __future__ import annotations

import re

from playwright.sync_api import Page


def first_record(tab: Page, listing: str, pattern: str) -> str:
    """The first link on `listing` whose path matches `pattern`."""
    tab.goto(listing)
    hrefs = tab.locator("main a[href]").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    found = [h for h in hrefs if re.match(pattern, h)]
    assert found, f"no link to {pattern} on {listing}"
    return found[0]
