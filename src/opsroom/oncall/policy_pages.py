"""The escalation-policy editor: a policy's levels, each naming whom to page and for how
long before the next level is paged."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth import service as accounts
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.catalog import service as catalog
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall
from opsroom.oncall.pages import deleted
from opsroom.web.pages import Failure, Posted, render, saved_or_again

router = APIRouter(include_in_schema=False, dependencies=[can_read])

EMPTY_LEVELS_SHOWN = 1


def _targets_text(level: dict[str, Any]) -> str:
    return ", ".join(f"{t['kind']}:{t['ref']}" for t in level["targets"])


def _levels_from(form: FormData) -> list[dict[str, Any]]:
    """Rows of 'kind:ref, kind:ref' and a timeout; blank rows are dropped."""
    levels = []
    for n in range(len(form.getlist("targets"))):
        text = str(form.getlist("targets")[n]).strip()
        if not text:
            continue
        targets = [part.strip().partition(":") for part in text.split(",") if part.strip()]
        levels.append(
            {
                "targets": [{"kind": kind, "ref": ref} for kind, _, ref in targets],
                "timeout_minutes": str(form.getlist("timeout_minutes")[n]) or 15,
            }
        )
    return levels


def _policy_page(
    request: Request, session: DbSession, actor: Actor, slug: str, failure: Failure | None = None
) -> Response:
    policy = oncall.get_policy(session, actor=actor, slug=slug)
    rows = [
        {"targets": _targets_text(lvl), "timeout": lvl["timeout_minutes"]} for lvl in policy.levels
    ]
    context = {
        "policy": policy,
        "rows": rows + [{"targets": "", "timeout": 15}] * EMPTY_LEVELS_SHOWN,
        "failure": failure,
        # What a target may name, offered by name: `kind:ref` is what the field sends.
        "people": accounts.directory(session, actor=actor),
        "squads": catalog.list_squads(session),
        "schedules": oncall.list_schedules(session, actor=actor),
    }
    status = failure.status if failure else 200
    return render(request, session, "oncall/policy.html", context, status=status)


@router.get("/oncall/policies/{slug}")
def policy_page(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    return _policy_page(request, session, actor, slug)


@router.post("/oncall/policies/{slug}")
def update_policy(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    values = {
        "version": form.get("version"),
        "repeats": form.get("repeats"),
        "levels": _levels_from(form),
    }
    page = partial(_policy_page, request, session, actor, slug)
    return saved_or_again(
        session,
        "policy",
        values,
        lambda: oncall.update_policy(
            session, actor=actor, slug=slug, data=schemas.PolicyUpdate.model_validate(values)
        ),
        page=page,
        then=f"/oncall/policies/{slug}",
    )


@router.post("/oncall/policies/{slug}/delete")
def delete_policy(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    remove = partial(oncall.delete_policy, session, actor=actor, slug=slug)
    return deleted(
        session, "policy", form, remove, partial(_policy_page, request, session, actor, slug)
    )
