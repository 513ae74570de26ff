"""`opsroom search TEXT`: incidents, services, changes, problems, actions and people."""

from __future__ import annotations

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.search import schemas, service


def search(
    text: str = typer.Argument(..., help="words in keys, titles, names or emails; or a key"),
    limit: int = typer.Option(8, min=1, max=50, help="hits of each kind at most"),
    as_json: bool = JsonOption,
) -> None:
    """Find incidents, services, changes, problems, action items and people."""
    with unit_of_work() as session:
        results = service.find(session, actor=actor(session), q=text, limit=limit)
    emit(results, as_json, lambda: _show(results.hits))


def _show(hits: list[schemas.Hit]) -> None:
    if not hits:
        out.print("nothing found")
        return
    table(
        "Found",
        ["kind", "key", "title", "detail"],
        [(h.kind, h.key, h.title, h.detail) for h in hits],
    )
