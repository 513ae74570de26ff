"""Templates and static files shared by every domain's pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates

from opsroom.infra.wording import counted

WEB = Path(__file__).parent
STATIC = WEB / "static"
NODE_MODULES = WEB / "node_modules"
# Front-end packages installed by `npm ci` (pinned in package-lock.json), served as-is.
VENDOR_FILES = {
    "htmx.min.js": NODE_MODULES / "htmx.org" / "dist" / "htmx.min.js",
    "chart.umd.min.js": NODE_MODULES / "chart.js" / "dist" / "chart.umd.min.js",
    # No page loads it: the browser tests add it to each page to check its accessibility.
    "axe.min.js": NODE_MODULES / "axe-core" / "axe.min.js",
}

TIER_LABELS = {
    1: "Tier 1 · business-critical",
    2: "Tier 2 · high",
    3: "Tier 3 · medium",
    4: "Tier 4 · low",
}


def _signed_in(request: Request) -> dict[str, Any]:
    """Who is signed in and their form token, for every page (deps.current_principal sets them)."""
    return {
        "principal": getattr(request.state, "principal", None),
        "csrf_token": getattr(request.state, "csrf_token", None),
    }


def make_templates(timezone: str) -> Jinja2Templates:
    templates = Jinja2Templates(directory=WEB / "templates", context_processors=[_signed_in])
    zone = ZoneInfo(timezone)

    def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
        return value.astimezone(zone).strftime(fmt) if value else ""

    templates.env.filters["local_time"] = local_time
    templates.env.filters["counted"] = counted
    templates.env.globals["tier_label"] = TIER_LABELS.get
    # Typed times (datetime-local fields) are read in this zone: the forms name it.
    templates.env.globals["time_zone"] = timezone
    return templates
