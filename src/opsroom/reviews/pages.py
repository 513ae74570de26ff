"""Post-incident reviews in the browser: the list, the editor with a live Markdown preview,
the action items agreed, publication, and a print view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import Response

from opsroom.actions import service as actions
from opsroom.actions.domain import Kind
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog_service
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.infra.errors import NotFound
from opsroom.reviews import domain, schemas
from opsroom.reviews import service as reviews
from opsroom.reviews.domain import Status, Transition
from opsroom.web.pages import (
    BlankIsNone,
    Failure,
    Filter,
    Posted,
    RecordForms,
    elsewhere,
    parse_form,
    render,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])

REVIEWS_PER_PAGE = 50
SQUAD_SECTION_SIZE = 20
LABELS = {
    Transition.SUBMIT: "Submit for review",
    Transition.RETURN: "Back to draft",
    Transition.PUBLISH: "Publish",
}
AFTER = {"sections": "#sections", "move": "", "actions": "#actions"}


class ReviewFilters(BaseModel):
    status: Annotated[Status | None, BlankIsNone] = None
    squad: Filter = None
    overdue: Annotated[bool | None, BlankIsNone] = None
    cursor: Filter = None


@router.get("/reviews")
def review_list(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: ListPlatform,
    filters: Annotated[ReviewFilters, Query()],
) -> Response:
    page = reviews.search(
        session,
        actor=actor,
        status=filters.status,
        squad=filters.squad,
        platform=platform,
        overdue=bool(filters.overdue),
        limit=REVIEWS_PER_PAGE,
        cursor=filters.cursor,
    )
    context = {
        "page": page,
        "summaries": [reviews.summary(r) for r in page.items],
        "filters": filters,
        "statuses": list(Status),
        "squads": catalog_service.list_squads(session, platform=platform),
        "figures": reviews.figures(session, actor=actor, squad=filters.squad, platform=platform),
    }
    return render(request, session, "reviews/list.html", context)


@router.get("/squads/{slug}/reviews")
def squad_reviews(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    """The squad page's section: its reviews not yet published, overdue first."""
    catalog_service.get_squad(session, slug)
    page = reviews.search(
        session, actor=actor, squad=slug, unpublished=True, limit=SQUAD_SECTION_SIZE
    )
    due = sorted((reviews.summary(r) for r in page.items), key=lambda r: not r.overdue)
    context = {"squad": slug, "reviews": due, "more": page.next_cursor is not None}
    return render(request, session, "reviews/_squad.html", context)


@router.post("/reviews/preview")
def preview(form: Posted, section: Annotated[str, Query(pattern="^[a-z_]+$")]) -> HTMLResponse:
    """The section being written, rendered as it will read (raw HTML is shown as text)."""
    if section not in domain.SECTIONS:
        raise NotFound(f"no section '{section}'")
    text = form.get(section)
    return HTMLResponse(domain.to_html(text if isinstance(text, str) else ""))


def editor(
    request: Request, session: Session, actor: Principal, key: str, failure: Failure | None = None
) -> Response:
    review = reviews.read(session, reviews.get(session, actor=actor, key=key))
    context = {
        **elsewhere(request, session, actor, key),
        "review": review,
        "sections": domain.SECTIONS,
        "prompts": domain.PROMPTS,
        "rendered": {name: domain.to_html(getattr(review, name)) for name in domain.SECTIONS},
        "figures": {
            name.replace("_", " ").capitalize(): domain.duration_text(s)
            for name, s in review.facts.figures.items()
        },
        "items": [actions.read(actions.get(session, actor=actor, key=k)) for k in review.actions],
        "squads": catalog_service.list_squads(session),
        "kinds": list(Kind),
        "labels": LABELS,
        "gaps": reviews.publish_gaps(session, actor=actor, key=key),
        "failure": failure,
    }
    return render(
        request, session, "reviews/editor.html", context, status=failure.status if failure else 200
    )


@router.get("/reviews/{key}")
def review_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return editor(request, session, actor, key)


@router.get("/reviews/{key}/print")
def print_view(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    markdown = reviews.markdown(session, actor=actor, key=key)
    context = {"key": key, "body": domain.to_html(markdown)}
    return render(request, session, "reviews/print.html", context)


@router.get("/reviews/{key}/export.md")
def export(session: DbSession, actor: Actor, key: str) -> Response:
    text = reviews.markdown(session, actor=actor, key=key)
    disposition = f'attachment; filename="review-{key.upper()}.md"'
    return Response(
        text,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


_apply = RecordForms(editor, lambda key, name: f"/reviews/{key}{AFTER[name]}").apply


@router.post("/reviews/{key}")
def save_sections(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    return _apply(
        request,
        session,
        actor,
        key,
        form,
        "sections",
        lambda: reviews.update(
            session, actor=actor, key=key, data=parse_form(schemas.ReviewUpdate, form)
        ),
    )


@router.post("/reviews/{key}/move/{move}")
def move_review(
    request: Request, session: DbSession, actor: Actor, key: str, move: Transition, form: Posted
) -> Response:
    return _apply(
        request,
        session,
        actor,
        key,
        form,
        "move",
        lambda: reviews.transition(
            session, actor=actor, key=key, move=move, data=parse_form(schemas.ReviewMove, form)
        ),
    )


@router.post("/reviews/{key}/actions")
def add_action(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    return _apply(
        request,
        session,
        actor,
        key,
        form,
        "actions",
        lambda: reviews.add_action(
            session, actor=actor, key=key, data=parse_form(schemas.ReviewAction, form)
        ),
    )
