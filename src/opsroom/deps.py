"""What every HTTP route needs: a unit of work that commits before the response leaves,
and who is acting."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from opsroom.config import Settings
from opsroom.db import session_scope

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _unit_of_work(request: Request) -> Iterator[Session]:
    with session_scope(settings_of(request), write=request.method not in READ_METHODS) as session:
        yield session


def actor_of(request: Request) -> str:
    """Who is acting. Until accounts exist, requests act as the local operator."""
    host = request.client.host if request.client else "unknown"
    return f"{getpass.getuser()}@{host}"


# scope="function": the transaction commits when the route returns, before the response is
# sent, so a 2xx always means the change is durable.
DbSession = Annotated[Session, Depends(_unit_of_work, scope="function")]
Actor = Annotated[str, Depends(actor_of)]
AppSettings = Annotated[Settings, Depends(settings_of)]
