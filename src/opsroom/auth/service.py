"""Accounts, passwords, browser sessions and API tokens; who the caller is."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from opsroom.audit import service as audit
from opsroom.auth import domain, schemas
from opsroom.auth.domain import Action, Principal, Role, Scope
from opsroom.auth.models import (
    ApiToken,
    LoginAttempt,
    PlatformAssignment,
    SquadMembership,
    User,
    WebSession,
)
from opsroom.infra import clock, events
from opsroom.infra.db import locked
from opsroom.infra.errors import (
    Conflict,
    NotFound,
    RateLimited,
    StaleVersion,
    Unauthenticated,
    ValidationFailed,
)

_hasher = PasswordHasher()
TOKEN_PREFIX = "opr_"
SESSION_LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
# Verifying against this keeps a wrong email as slow as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _audit(
    session: Session,
    actor: Principal | str,
    action: str,
    subject: str,
    before: object = None,
    after: object = None,
) -> None:
    audit.record(
        session,
        actor=str(actor),
        action=action,
        subject_type="user",
        subject_key=subject,
        before=before if isinstance(before, dict) else None,
        after=after if isinstance(after, dict) else None,
    )


# --- users ------------------------------------------------------------------------------


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def list_users(session: Session, *, actor: Principal) -> list[User]:
    domain.require(actor, Action.ADMINISTER)
    return list(session.scalars(select(User).order_by(User.email)))


def directory(
    session: Session, *, actor: Principal, text: str | None = None, limit: int = 500
) -> list[User]:
    """The people anyone who reads may name (commanders, assignees, escalation targets), by
    name: active accounts of people, whose name or email contains `text` when given."""
    domain.require(actor, Action.READ)
    query = select(User).where(User.is_active.is_(True), User.is_service_account.is_(False))
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            or_(func.lower(User.display_name).like(pattern), func.lower(User.email).like(pattern))
        )
    return list(session.scalars(query.order_by(User.display_name, User.email).limit(limit)))


def demo_accounts(session: Session) -> list[User]:
    """The active demo accounts; there are none outside demo mode."""
    query = select(User).where(User.is_demo.is_(True), User.is_active.is_(True))
    return list(session.scalars(query.order_by(User.email)))


def vendor_contacts(session: Session, *, vendor: str) -> list[User]:
    """The active accounts that speak for `vendor`."""
    query = select(User).where(
        User.role == Role.VENDOR_CONTACT, User.vendor_slug == vendor, User.is_active.is_(True)
    )
    return list(session.scalars(query.order_by(User.email)))


def get_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        raise NotFound(f"no user '{email}'")
    return user


def requesters_of(session: Session, organisation: str) -> list[str]:
    """The emails of the organisation's requesters' accounts."""
    query = select(User.email).where(
        User.role == Role.REQUESTER, User.organisation == organisation, User.is_active.is_(True)
    )
    return list(session.scalars(query.order_by(User.email)))


def _check_password(password: str, email: str) -> str:
    problem = domain.password_problem(password, email=email)
    if problem:
        raise ValidationFailed(f"password too weak: {problem}", fields={"password": problem})
    return _hasher.hash(password)


def _check_vendor(session: Session, email: str, vendor: str | None) -> None:
    """The catalog, which knows the vendors, refuses one it does not have."""
    if vendor is not None:
        events.record(session, domain.VendorContactNamed(email.lower(), vendor))


def _check_organisation(session: Session, email: str, organisation: str | None) -> None:
    """The desk, which keeps the customer organisations, refuses one it does not have."""
    if organisation is not None:
        events.record(session, domain.RequesterOrganisationNamed(email.lower(), organisation))


def create_user(
    session: Session, *, actor: Principal, data: schemas.UserCreate, demo: bool = False
) -> User:
    domain.require(actor, Action.ADMINISTER)
    if session.scalar(select(User.id).where(func.lower(User.email) == data.email.lower())):
        raise Conflict(
            f"a user with email {data.email} already exists", fields={"email": "already taken"}
        )
    _check_vendor(session, data.email, data.vendor)
    _check_organisation(session, data.email, data.organisation)
    password = data.password.get_secret_value() if data.password else None
    user = User(
        email=data.email.lower(),
        display_name=data.display_name,
        role=data.role,
        vendor_slug=data.vendor,
        organisation=data.organisation,
        timezone=data.timezone,
        phone=data.phone,
        is_service_account=data.service_account,
        is_demo=demo,
        password_hash=_check_password(password, data.email) if password else None,
    )
    session.add(user)
    session.flush()
    _audit(
        session,
        actor,
        "user.created",
        user.email,
        after={"role": user.role, "service_account": user.is_service_account},
    )
    return user


def update_user(
    session: Session, *, actor: Principal, email: str, data: schemas.UserUpdate
) -> User:
    domain.require(actor, Action.ADMINISTER)
    user = locked(get_user(session, email))
    if user.version != data.version:
        raise StaleVersion(
            f"{email} was changed by someone else; reload and try again",
            fields={"version": f"current version is {user.version}"},
        )
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "vendor" in changes:
        _check_vendor(session, email, changes["vendor"])
        changes["vendor_slug"] = changes.pop("vendor")
    if "organisation" in changes:
        _check_organisation(session, email, changes["organisation"])
    if "active" in changes:
        changes["is_active"] = changes.pop("active")
    before = {k: getattr(user, k) for k in changes}
    for name, value in changes.items():
        setattr(user, name, value)
    _check_role_ties(user)
    user.version += 1
    action = "user.role_changed" if "role" in changes else "user.updated"
    _audit(
        session,
        actor,
        action,
        user.email,
        before=before,
        after={k: getattr(user, k) for k in changes},
    )
    if not user.is_active:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return user


def _check_role_ties(user: User) -> None:
    """A vendor contact has a vendor and a requester an organisation; nobody else has one."""
    if (user.role == Role.VENDOR_CONTACT) != (user.vendor_slug is not None):
        raise ValidationFailed(
            "a vendor is set for vendor contacts, and only for them",
            fields={"vendor": "does not match the role"},
        )
    if (user.role == Role.REQUESTER) != (user.organisation is not None):
        raise ValidationFailed(
            "an organisation is set for requesters, and only for them",
            fields={"organisation": "does not match the role"},
        )


def set_password(session: Session, *, actor: Principal, email: str, password: str) -> None:
    user = get_user(session, email)
    domain.require(actor, Action.SELF_SERVICE if actor.user_id == user.id else Action.ADMINISTER)
    user.password_hash = _check_password(password, user.email)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    _audit(session, actor, "user.password_set", user.email)


def squads_of(session: Session, email: str) -> list[str]:
    """The squads whose members include this email: how accounts link to the catalog."""
    query = select(SquadMembership.squad).where(SquadMembership.email == email.lower())
    return list(session.scalars(query.order_by(SquadMembership.squad)))


def set_squad_members(session: Session, *, squad: str, emails: Iterable[str]) -> None:
    """The catalog tells who the members of a squad are now."""
    session.execute(delete(SquadMembership).where(SquadMembership.squad == squad))
    session.add_all(SquadMembership(email=e, squad=squad) for e in {e.lower() for e in emails})


def platforms_of(session: Session, email: str) -> list[str]:
    """The platforms this person governs as an operations manager."""
    query = select(PlatformAssignment.platform).where(PlatformAssignment.email == email.lower())
    return list(session.scalars(query.order_by(PlatformAssignment.platform)))


def governors_of(session: Session, platform: str) -> list[str]:
    """The active operations managers assigned to this platform."""
    query = (
        select(User.email)
        .join(PlatformAssignment, PlatformAssignment.email == User.email)
        .where(PlatformAssignment.platform == platform, User.is_active.is_(True))
        .where(User.role == Role.OPERATIONS_MANAGER)
    )
    return list(session.scalars(query.order_by(User.email)))


def assigned_platforms(session: Session, *, actor: Principal, email: str) -> list[str]:
    domain.require(actor, Action.READ)
    return platforms_of(session, get_user(session, email).email)


def assign_platforms(
    session: Session, *, actor: Principal, email: str, platforms: Iterable[str]
) -> list[str]:
    """An administrator sets the platforms someone governs (the catalog refuses a platform
    it does not have); the change is audited."""
    domain.require(actor, Action.ADMINISTER)
    user = get_user(session, email)
    before, after = platforms_of(session, user.email), sorted(set(platforms))
    events.record(session, domain.PlatformsAssigned(user.email, tuple(after)))
    session.execute(delete(PlatformAssignment).where(PlatformAssignment.email == user.email))
    session.add_all(PlatformAssignment(email=user.email, platform=p) for p in after)
    _audit(
        session,
        actor,
        "user.platforms_assigned",
        user.email,
        before={"platforms": before},
        after={"platforms": after},
    )
    return after


def choose_default_platform(
    session: Session, *, actor: Principal, platform: str | None
) -> str | None:
    """The platform the person's list pages open on when the address names none (None:
    every platform). The catalog refuses a platform it does not have."""
    domain.require(actor, Action.READ)
    if actor.user_id is None:
        raise ValidationFailed(
            "only a person's account remembers a platform", fields={"platform": "no account"}
        )
    user = get_user(session, actor.name)
    before = user.default_platform
    events.record(session, domain.DefaultPlatformChosen(user.email, platform))
    user.default_platform = platform
    _audit(
        session,
        actor,
        "user.default_platform_chosen",
        user.email,
        before={"default_platform": before},
        after={"default_platform": platform},
    )
    return platform


def principal_for(
    session: Session,
    user: User,
    *,
    scopes: frozenset[Scope] = domain.ALL_SCOPES,
    via: str = "session",
) -> Principal:
    return Principal(
        name=user.email,
        role=Role(user.role),
        squads=frozenset(squads_of(session, user.email)),
        platforms=frozenset(platforms_of(session, user.email)),
        vendor=user.vendor_slug,
        organisation=user.organisation,
        scopes=scopes,
        user_id=user.id,
        via=via,
        default_platform=user.default_platform,
    )


# --- signing in -------------------------------------------------------------------------


def _recent_failures(session: Session, column: InstrumentedAttribute[str], value: str) -> int:
    since = clock.now() - timedelta(seconds=domain.THROTTLE_WINDOW_SECONDS)
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    )
    return session.scalar(query) or 0


def check_throttle(session: Session, *, email: str, address: str) -> None:
    if domain.throttled(
        _recent_failures(session, LoginAttempt.email, email.lower()),
        _recent_failures(session, LoginAttempt.address, address),
    ):
        raise RateLimited(
            "too many failed sign-ins; wait a few minutes and try again",
            retry_after=domain.THROTTLE_WINDOW_SECONDS,
        )


def authenticate(session: Session, *, email: str, password: str, address: str) -> User | None:
    """The user if the password is right, else None; every attempt is recorded and audited.
    Raises RateLimited before checking anything once an account or address is throttled."""
    check_throttle(session, email=email, address=address)
    user = session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    ok = (
        _verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
        and user is not None
        and user.is_active
    )
    session.add(LoginAttempt(email=email.lower(), address=address, succeeded=ok))
    _audit(
        session,
        email.lower(),
        "auth.login" if ok else "auth.login_failed",
        email.lower(),
        after={"address": address},
    )
    if not ok or user is None:
        return None
    user.last_login_at = clock.now()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def return_path(requested: str | None) -> str:
    """Where to send someone once signed in: a path on this site, never another site."""
    path = requested or ""
    # Browsers read a backslash as a slash (/\host is //host); control characters split headers.
    if "\\" in path or any(ord(c) < 32 for c in path):
        return "/"
    parts = urlsplit(path)
    if not path.startswith("/") or path.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    return path


def start_session(session: Session, *, user: User, address: str) -> tuple[str, str]:
    """A new browser session: (cookie secret, CSRF token)."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        WebSession(
            secret_hash=_digest(secret),
            user_id=user.id,
            csrf_token=csrf,
            address=address,
            expires_at=clock.now() + SESSION_LIFETIME,
        )
    )
    return secret, csrf


def session_of(session: Session, secret: str) -> WebSession | None:
    found = session.scalar(select(WebSession).where(WebSession.secret_hash == _digest(secret)))
    if found is None or found.expires_at <= clock.now() or not found.user.is_active:
        return None
    return found


def end_session(session: Session, *, secret: str) -> None:
    found = session.scalar(select(WebSession).where(WebSession.secret_hash == _digest(secret)))
    if found is not None:
        _audit(session, found.user.email, "auth.logout", found.user.email)
        session.delete(found)


# --- API tokens -------------------------------------------------------------------------


def allowed_scopes(role: Role) -> set[Scope]:
    if role is Role.ADMIN:
        return {Scope.READ, Scope.WRITE, Scope.ADMIN, Scope.INGEST}
    if role in (Role.VIEWER, Role.VENDOR_CONTACT):
        return {Scope.READ}
    if role is Role.REQUESTER:
        return {Scope.READ, Scope.WRITE}
    return {Scope.READ, Scope.WRITE, Scope.INGEST}


def create_token(
    session: Session, *, actor: Principal, data: schemas.TokenCreate
) -> tuple[str, ApiToken]:
    """A new token, and its secret (returned once, stored only as a hash)."""
    owner = get_user(session, data.user) if data.user else session.get_one(User, actor.user_id)
    domain.require(actor, Action.SELF_SERVICE if owner.id == actor.user_id else Action.ADMINISTER)
    refused = set(data.scopes) - allowed_scopes(Role(owner.role))
    if refused:
        raise ValidationFailed(
            f"a {owner.role} cannot hold the {', '.join(sorted(refused))} scope",
            fields={"scopes": "not allowed for this role"},
        )
    if data.expires_at is not None and data.expires_at <= clock.now():
        raise ValidationFailed(
            "the expiry must be in the future", fields={"expires_at": "in the past"}
        )
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user=owner,
        name=data.name,
        prefix=prefix,
        secret_hash=_digest(secret),
        scopes=sorted(data.scopes),
        expires_at=data.expires_at,
    )
    session.add(token)
    session.flush()
    _audit(
        session,
        actor,
        "token.created",
        owner.email,
        after={"token": f"{TOKEN_PREFIX}{prefix}", "name": data.name, "scopes": token.scopes},
    )
    return secret, token


def list_tokens(session: Session, *, actor: Principal, user: str | None = None) -> list[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None or actor.user_id is None:
        domain.require(actor, Action.ADMINISTER)
        if user is not None:
            query = query.where(ApiToken.user_id == get_user(session, user).id)
    else:
        query = query.where(ApiToken.user_id == actor.user_id)
    return list(session.scalars(query))


def revoke_token(session: Session, *, actor: Principal, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}")
    domain.require(
        actor, Action.SELF_SERVICE if token.user_id == actor.user_id else Action.ADMINISTER
    )
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        _audit(
            session,
            actor,
            "token.revoked",
            token.user.email,
            after={"token": f"{TOKEN_PREFIX}{token.prefix}"},
        )
    return token


def token_principal(session: Session, bearer: str) -> tuple[Principal, bool]:
    """Who a bearer token acts as, and whether its last-used time is due an update."""
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == _digest(bearer)))
    now = clock.now()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        raise Unauthenticated("this token is not valid (unknown, revoked, or its user is disabled)")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthenticated("this token has expired")
    stale = token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY
    principal = principal_for(
        session, token.user, scopes=frozenset(Scope(s) for s in token.scopes), via="token"
    )
    return principal, stale


def touch_token(session: Session, bearer: str, at: datetime | None = None) -> None:
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == _digest(bearer)))
    if token is not None:
        token.last_used_at = at or clock.now()


def cli_principal(
    session: Session, *, os_user: str, user: str | None, token: str | None
) -> Principal:
    """Who a CLI command acts as: a token's holder, a named account, or else the local
    operator, who already holds the database credentials and so acts as an administrator."""
    if token:
        return token_principal(session, token)[0]
    if user:
        account = get_user(session, user)
        if not account.is_active:
            raise Unauthenticated(f"the account {user} is disabled")
        return principal_for(session, account, via="cli")
    return Principal(name=f"cli:{os_user}", role=Role.ADMIN, via="cli")
