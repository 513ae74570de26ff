"""/api/v1 routes for accounts and tokens."""

from __future__ import annotations

from fastapi import APIRouter, status

from opsroom.auth import schemas
from opsroom.auth import service as auth
from opsroom.auth.deps import Actor, DbSession
from opsroom.infra.apidoc import RecordId, errors

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me", responses=errors(401))
def me(session: DbSession, actor: Actor) -> schemas.Me:
    """Who the caller is, with role, squads and scopes."""
    return schemas.Me(
        name=actor.name,
        role=actor.role,
        squads=sorted(actor.squads),
        platforms=sorted(actor.platforms),
        vendor=actor.vendor,
        organisation=actor.organisation,
        scopes=sorted(actor.scopes),
        via=actor.via,
        default_platform=actor.default_platform,
    )


@router.put("/me/default-platform", responses=errors(401, 422))
def choose_default_platform(
    session: DbSession, actor: Actor, data: schemas.DefaultPlatformIn
) -> schemas.DefaultPlatformIn:
    """Remember the platform the web's list pages open on when the address names none
    (null: every platform). An unknown platform is refused with the field named."""
    chosen = auth.choose_default_platform(session, actor=actor, platform=data.platform)
    return schemas.DefaultPlatformIn(platform=chosen)


@router.get("/users", responses=errors(401, 403))
def list_users(session: DbSession, actor: Actor) -> list[schemas.UserRead]:
    return [schemas.UserRead.model_validate(u) for u in auth.list_users(session, actor=actor)]


@router.post("/users", status_code=status.HTTP_201_CREATED, responses=errors(404, 409))
def create_user(session: DbSession, actor: Actor, data: schemas.UserCreate) -> schemas.UserRead:
    return schemas.UserRead.model_validate(auth.create_user(session, actor=actor, data=data))


@router.patch("/users/{email}", responses=errors(401, 403, 404, 409))
def update_user(
    session: DbSession, actor: Actor, email: str, data: schemas.UserUpdate
) -> schemas.UserRead:
    return schemas.UserRead.model_validate(
        auth.update_user(session, actor=actor, email=email, data=data)
    )


@router.get("/users/{email}/platforms", responses=errors(401, 403, 404))
def platforms_of(session: DbSession, actor: Actor, email: str) -> schemas.PlatformsRead:
    """The platforms someone governs as an operations manager."""
    assigned = auth.assigned_platforms(session, actor=actor, email=email)
    return schemas.PlatformsRead(email=email.lower(), platforms=assigned)


@router.put("/users/{email}/platforms", responses=errors(401, 403, 404, 422))
def assign_platforms(
    session: DbSession, actor: Actor, email: str, data: schemas.PlatformsIn
) -> schemas.PlatformsRead:
    """Set the platforms someone governs (administrators; audited). An unknown platform is
    refused with the field named."""
    assigned = auth.assign_platforms(session, actor=actor, email=email, platforms=data.platforms)
    return schemas.PlatformsRead(email=email.lower(), platforms=assigned)


@router.get("/tokens", responses=errors(401, 403, 404))
def list_tokens(
    session: DbSession, actor: Actor, user: str | None = None
) -> list[schemas.TokenRead]:
    """Your tokens; an administrator may ask for anyone's with ?user=."""
    return [
        schemas.TokenRead.model_validate(t)
        for t in auth.list_tokens(session, actor=actor, user=user)
    ]


@router.post("/tokens", status_code=status.HTTP_201_CREATED, responses=errors(401, 403, 404))
def create_token(
    session: DbSession, actor: Actor, data: schemas.TokenCreate
) -> schemas.TokenCreated:
    """Create a token; its secret is in this response and nowhere else, ever."""
    secret, token = auth.create_token(session, actor=actor, data=data)
    return schemas.TokenCreated(
        **schemas.TokenRead.model_validate(token).model_dump(), token=secret
    )


@router.delete("/tokens/{token_id}", responses=errors(401, 403, 404))
def revoke_token(session: DbSession, actor: Actor, token_id: RecordId) -> schemas.TokenRead:
    return schemas.TokenRead.model_validate(
        auth.revoke_token(session, actor=actor, token_id=token_id)
    )
