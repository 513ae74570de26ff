"""Who may do what: roles, token scopes and the one permission rule every entry point obeys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from opsroom.infra.errors import Forbidden
from opsroom.infra.events import Event


class Role(StrEnum):
    VIEWER = "viewer"
    RESPONDER = "responder"
    SQUAD_LEAD = "squad_lead"
    OPERATIONS_MANAGER = "operations_manager"
    GUILD_LEAD = "guild_lead"
    ADMIN = "admin"
    VENDOR_CONTACT = "vendor_contact"
    REQUESTER = "requester"  # a customer: raises tickets, sees their organisation's only


# Each role can do everything the roles below it can; a vendor contact and a requester stand
# outside the ladder.
LADDER = [
    Role.VIEWER,
    Role.RESPONDER,
    Role.SQUAD_LEAD,
    Role.OPERATIONS_MANAGER,
    Role.GUILD_LEAD,
    Role.ADMIN,
]

# What something spans when it belongs to no one platform (a setting of the whole
# installation): no operations manager is assigned to it, so only the roles above govern it.
EVERY_PLATFORM = "*"


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"
    INGEST = "ingest"


class Action(StrEnum):
    READ = "read"  # anything not restricted
    SELF_SERVICE = "self_service"  # one's own password and tokens
    WORK_INCIDENTS = "work_incidents"  # acknowledge, add notes, update status
    POST_UPDATES = "post_updates"  # status updates on an incident
    EDIT_SQUAD_ITEMS = "edit_squad_items"  # a squad's services, schedules, actions
    GOVERN = "govern"  # a platform's priorities, freezes, approvals, risk, the catalog itself
    ADMINISTER = "administer"  # users, tokens, settings
    INGEST = "ingest"  # send alerts and events, nothing else


@dataclass(frozen=True)
class Rule:
    role: Role | None  # lowest role on the ladder allowed; None: no role grants it
    scope: Scope


RULES: dict[Action, Rule] = {
    Action.READ: Rule(Role.VIEWER, Scope.READ),
    Action.SELF_SERVICE: Rule(Role.VIEWER, Scope.WRITE),
    Action.WORK_INCIDENTS: Rule(Role.RESPONDER, Scope.WRITE),
    Action.POST_UPDATES: Rule(Role.RESPONDER, Scope.WRITE),
    Action.EDIT_SQUAD_ITEMS: Rule(Role.SQUAD_LEAD, Scope.WRITE),
    Action.GOVERN: Rule(Role.OPERATIONS_MANAGER, Scope.WRITE),
    Action.ADMINISTER: Rule(Role.ADMIN, Scope.ADMIN),
    Action.INGEST: Rule(None, Scope.INGEST),
}

# What an operations manager does only on the platforms they are assigned, when the subject's
# platforms are given: governing, and working another platform's alerts, SLOs and squad items.
PLATFORM_BOUND = frozenset({Action.GOVERN, Action.EDIT_SQUAD_ITEMS, Action.WORK_INCIDENTS})
# What a vendor contact may do on what their vendor is engaged on (and nothing else).
VENDOR_ACTIONS = frozenset({Action.READ, Action.POST_UPDATES})
# What a requester may do on their organisation's tickets: read them and write on them.
REQUESTER_ACTIONS = frozenset({Action.READ, Action.POST_UPDATES})

OUTSIDERS = frozenset({Role.VENDOR_CONTACT, Role.REQUESTER})

ALL_SCOPES = frozenset({Scope.READ, Scope.WRITE, Scope.ADMIN})


@dataclass(frozen=True)
class Principal:
    """Someone acting: a signed-in person, a token, or the local CLI operator."""

    name: str  # what the audit log records
    role: Role
    squads: frozenset[str] = frozenset()  # squads the person is a member of
    platforms: frozenset[str] = frozenset()  # platforms an operations manager governs
    vendor: str | None = None  # the vendor a vendor contact works for
    organisation: str | None = None  # the customer organisation a requester belongs to
    scopes: frozenset[Scope] = ALL_SCOPES  # a token's scopes; everything for a session
    user_id: int | None = None
    via: str = field(default="session")  # session, token, cli, integration
    default_platform: str | None = None  # the platform their list pages open on

    def __str__(self) -> str:
        return self.name


# An integration ingests alerts and, on their behalf, opens, joins and resolves incidents.
INTEGRATION_SCOPES = frozenset({Scope.READ, Scope.WRITE, Scope.INGEST})


def integration_principal(slug: str) -> Principal:
    """Who acts when an integration's alerts change incidents: a responder that may ingest."""
    return Principal(
        name=f"integration:{slug}",
        role=Role.RESPONDER,
        scopes=INTEGRATION_SCOPES,
        via="integration",
    )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def _rank(role: Role) -> int:
    return LADDER.index(role) if role in LADDER else -1


def _outsider(
    principal: Principal, action: Action, vendor: str | None, organisation: str | None
) -> Decision:
    """Vendor contacts and requesters act on their own vendor's or organisation's things."""
    if principal.role is Role.VENDOR_CONTACT:
        own, allowed = vendor is not None and vendor == principal.vendor, VENDOR_ACTIONS
        refusal = "vendor contacts see only what their vendor is engaged on"
    else:
        own = organisation is not None and organisation == principal.organisation
        allowed, refusal = REQUESTER_ACTIONS, "requesters see only their organisation's tickets"
    if action is Action.SELF_SERVICE or (action in allowed and own):
        return Decision(True)
    return Decision(False, refusal)


def decide(
    principal: Principal,
    action: Action,
    *,
    squads: Iterable[str] = (),
    vendor: str | None = None,
    organisation: str | None = None,
    platforms: Iterable[str] = (),
) -> Decision:
    """May principal do action on something owned by `squads` (or belonging to `vendor`, or
    to a customer `organisation`), on `platforms` (EVERY_PLATFORM for what belongs to the
    whole installation)?"""
    rule = RULES[action]
    if rule.scope not in principal.scopes:
        return Decision(False, f"this token lacks the '{rule.scope}' scope")
    if action is Action.INGEST:
        return Decision(True)
    if principal.role in OUTSIDERS:
        return _outsider(principal, action, vendor, organisation)
    if rule.role is None or _rank(principal.role) < _rank(rule.role):
        needed = rule.role.value.replace("_", " ") if rule.role else "an integration key"
        return Decision(False, f"you need the {needed} role for this")
    outside = set(squads) - principal.squads
    if action is Action.EDIT_SQUAD_ITEMS and principal.role is Role.SQUAD_LEAD and outside:
        return Decision(
            False,
            f"squad leads edit their own squads' items only; not a member of {', '.join(sorted(outside))}",
        )
    if action in PLATFORM_BOUND and principal.role is Role.OPERATIONS_MANAGER:
        return _governs(principal, set(platforms))
    return Decision(True)


def _governs(manager: Principal, platforms: set[str]) -> Decision:
    if EVERY_PLATFORM in platforms:
        return Decision(
            False, "this covers every platform: a guild lead or an administrator governs it"
        )
    outside = platforms - manager.platforms
    if outside:
        return Decision(
            False,
            f"operations managers govern their own platforms only; not assigned to {', '.join(sorted(outside))}",
        )
    return Decision(True)


def require(
    principal: Principal,
    action: Action,
    *,
    squads: Iterable[str] = (),
    vendor: str | None = None,
    organisation: str | None = None,
    platforms: Iterable[str] = (),
) -> None:
    decision = decide(
        principal,
        action,
        squads=squads,
        vendor=vendor,
        organisation=organisation,
        platforms=platforms,
    )
    if not decision.allowed:
        raise Forbidden(decision.reason)


# Password and throttling policy -----------------------------------------------------------

MIN_PASSWORD_LENGTH = 12
FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 20
THROTTLE_WINDOW_SECONDS = 15 * 60


def password_problem(password: str, *, email: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    if email and email.split("@")[0].lower() in password.lower():
        return "do not put your email name in your password"
    return None


def throttled(failures_for_account: int, failures_from_address: int) -> bool:
    return (
        failures_for_account >= FAILURES_PER_ACCOUNT
        or failures_from_address >= FAILURES_PER_ADDRESS
    )


# The password of the demo accounts (`User.is_demo`), shown on the login page while they
# exist and in the README; never used outside the demo.
DEMO_PASSWORD = "demo-password-2026"


@dataclass(frozen=True)
class PlatformsAssigned(Event):
    """An operations manager was given the platforms they govern."""

    email: str
    platforms: tuple[str, ...]


@dataclass(frozen=True)
class DefaultPlatformChosen(Event):
    """Someone chose the platform their list pages open on (None: every platform)."""

    email: str
    platform: str | None


@dataclass(frozen=True)
class VendorContactNamed(Event):
    """An account was made (or made again) the contact of a vendor."""

    email: str
    vendor: str


@dataclass(frozen=True)
class RequesterOrganisationNamed(Event):
    """An account was made (or made again) a requester of a customer organisation."""

    email: str
    organisation: str
