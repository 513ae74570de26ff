"""One search over the records people look for: incidents, services, changes, problems,
action items and people, read through each domain's own use cases (and so only what the
caller may see). A key said aloud (INC-42, CHG-130, PRB-7, ACT-311) names its record."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from opsroom.actions import service as actions
from opsroom.auth import service as accounts
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.changes import service as changes
from opsroom.incidents import service as incidents
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.problems import service as problems
from opsroom.search.schemas import Hit, Kind, Results

LONGEST = 200
# Hits of each kind at most: a search narrows by typing more, not by paging.
PER_KIND = 8
KEY = re.compile(r"^\s*([a-z]{3})-(\d+)\s*$", re.IGNORECASE)
# The records a key names: how to find one and where its page is.
KEYED: dict[str, tuple[Callable[..., Any], str]] = {
    incidents.PREFIX: (incidents.get, "/incidents/"),
    changes.PREFIX: (changes.get, "/changes/"),
    problems.PREFIX: (problems.get, "/problems/"),
    actions.PREFIX: (actions.get, "/actions/"),
}


def _text(q: str) -> str:
    text = " ".join(q.split())
    if len(text) > LONGEST:
        raise ValidationFailed(
            f"search for at most {LONGEST} characters", fields={"q": f"at most {LONGEST}"}
        )
    return text


def named(session: Session, *, actor: Principal, q: str) -> str | None:
    """The page of the record the key `q` names, if there is one the caller may see."""
    found = KEY.match(q)
    if found is None or found.group(1).upper() not in KEYED:
        return None
    get, path = KEYED[found.group(1).upper()]
    key = f"{found.group(1).upper()}-{found.group(2)}"
    try:
        get(session, actor=actor, key=key)
    except NotFound:
        return None
    return path + key


def find(session: Session, *, actor: Principal, q: str, limit: int = PER_KIND) -> Results:
    require(actor, Action.READ)
    text = _text(q)
    if not text:
        return Results(q=text, hits=[])
    hits = [
        hit
        for search in (_incidents, _services, _changes, _problems, _actions, _people)
        for hit in search(session, actor, text, limit)
    ]
    return Results(q=text, jump=named(session, actor=actor, q=text), hits=hits)


def _incidents(session: Session, actor: Principal, text: str, limit: int) -> Sequence[Hit]:
    found = incidents.search(session, actor=actor, text=text, limit=limit).items
    return [
        Hit(
            kind=Kind.INCIDENT,
            key=i.key,
            title=i.title,
            url=f"/incidents/{i.key}",
            detail=f"P{i.priority} · {i.status}",
        )
        for i in found
    ]


def _services(session: Session, actor: Principal, text: str, limit: int) -> Sequence[Hit]:
    found = catalog.list_services(session, text=text, limit=limit).items
    return [
        Hit(
            kind=Kind.SERVICE,
            key=s.slug,
            title=s.name,
            url=f"/services/{s.slug}",
            detail=f"tier {s.tier} · {s.owner.name}",
        )
        for s in found
    ]


def _changes(session: Session, actor: Principal, text: str, limit: int) -> Sequence[Hit]:
    found = changes.search(session, actor=actor, text=text, limit=limit).items
    return [
        Hit(kind=Kind.CHANGE, key=c.key, title=c.title, url=f"/changes/{c.key}", detail=c.status)
        for c in found
    ]


def _problems(session: Session, actor: Principal, text: str, limit: int) -> Sequence[Hit]:
    found = problems.search(session, actor=actor, text=text, limit=limit).items
    return [
        Hit(kind=Kind.PROBLEM, key=p.key, title=p.title, url=f"/problems/{p.key}", detail=p.status)
        for p in found
    ]


def _actions(session: Session, actor: Principal, text: str, limit: int) -> Sequence[Hit]:
    found = actions.search(session, actor=actor, text=text, limit=limit).items
    return [
        Hit(
            kind=Kind.ACTION,
            key=a.key,
            title=a.title,
            url=f"/actions/{a.key}",
            detail=f"{a.status} · {a.owner_squad}",
        )
        for a in found
    ]


def _people(session: Session, actor: Principal, text: str, limit: int) -> Sequence[Hit]:
    found = accounts.directory(session, actor=actor, text=text, limit=limit)
    return [
        Hit(
            kind=Kind.PERSON,
            key=p.email,
            title=p.display_name,
            url=f"mailto:{p.email}",
            detail=p.role.replace("_", " "),
        )
        for p in found
    ]
