"""The search page: the top bar's search box lands here (a key goes straight to its record)."""

from __future__ import annotations

from itertools import groupby

from fastapi import APIRouter, Request
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.infra.errors import ValidationFailed
from opsroom.search import service
from opsroom.search.schemas import Results
from opsroom.web.pages import Failure, Filter, render, see_other

router = APIRouter(include_in_schema=False, dependencies=[can_read])


@router.get("/search")
def search_page(request: Request, session: DbSession, actor: Actor, q: Filter = None) -> Response:
    try:
        results = service.find(session, actor=actor, q=q or "")
    except ValidationFailed as exc:
        failure = Failure("search", exc.status, exc.message, exc.fields, {"q": q})
        return _page(request, session, Results(q=q or "", hits=[]), failure)
    if results.jump:
        return see_other(results.jump)
    return _page(request, session, results)


def _page(
    request: Request, session: DbSession, results: Results, failure: Failure | None = None
) -> Response:
    context = {
        "results": results,
        "groups": [(kind, list(hits)) for kind, hits in groupby(results.hits, lambda h: h.kind)],
        "search_text": results.q,
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "search/results.html", context, status=status)
