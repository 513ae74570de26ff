"""What each platform governs for itself: the settings documents it may override (the rest
inherited from the installation's, then the shipped defaults), read and changed under the
one permission rule. The same use cases set the installation's own values (`platform`
None) of the documents that have no page of their own."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from opsroom.audit.documents import EVERYWHERE, Document
from opsroom.audit.schemas import Overrides, ScopedSettings, SettingsVersion
from opsroom.auth.domain import EVERY_PLATFORM, Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.changes import service as changes
from opsroom.improvement.service import PROBLEM_SETTINGS
from opsroom.incidents import service as incidents
from opsroom.infra.errors import NotFound
from opsroom.kpis import service as kpis
from opsroom.slos.burn_table import BURN_RATES

# The documents a platform may override, by the name their address and commands use.
DOCUMENTS: dict[str, Document[Any, Any, Any]] = {
    "incident-policy": incidents.INCIDENT_POLICY,
    "review-settings": PROBLEM_SETTINGS,
    "working-hours": catalog.WORKING_HOURS,
    "availability-targets": kpis.AVAILABILITY_TARGETS,
    "change-approval-policy": changes.APPROVAL_POLICY,
    "slo-burn-rates": BURN_RATES,
}
# The documents whose values for the whole installation are set through these use cases; the
# incident policy and the review settings have their own, with the checks only they make
# (`/api/v1/incidents/policy`, `/api/v1/problems/settings`).
INSTALLATION_WIDE = (
    "working-hours",
    "availability-targets",
    "change-approval-policy",
    "slo-burn-rates",
)
# What a platform's overrides must fit besides the document's own rules.
VETS: dict[str, Callable[[Session, str, Any, Any], None]] = {
    "availability-targets": kpis.check_own,
}


def _document(name: str, scope: str) -> Document[Any, Any, Any]:
    offered = tuple(DOCUMENTS) if scope else INSTALLATION_WIDE
    if name not in offered:
        where = "a platform has" if scope else "the installation's set here are"
        raise NotFound(f"no settings document '{name}'; {where} {', '.join(offered)}")
    return DOCUMENTS[name]


def _scope(session: Session, platform: str | None) -> str:
    """The platform's slug, or the installation's scope when none is named."""
    if platform is None:
        return EVERYWHERE
    try:
        return catalog.get_platform(session, platform).slug
    except NotFound as exc:
        raise NotFound(f"no platform '{platform}'") from exc


def _govern(actor: Principal, scope: str) -> None:
    """A platform's settings are its governors'; the installation's, every platform's."""
    require(actor, Action.GOVERN, platforms=[scope or EVERY_PLATFORM])


def show(
    session: Session, *, actor: Principal, platform: str | None, document: str
) -> ScopedSettings:
    """The document as it holds on the platform (or the installation): each setting, and
    where it comes from."""
    require(actor, Action.READ)
    scope = _scope(session, platform)
    found = _document(document, scope)
    return found.layered(session, scope) if scope else found.installation(session)


def show_all(
    session: Session, *, actor: Principal, platform: str | None
) -> dict[str, ScopedSettings]:
    """Every document a platform may override (or the installation's set here), as it
    holds there."""
    names = DOCUMENTS if platform is not None else INSTALLATION_WIDE
    return {name: show(session, actor=actor, platform=platform, document=name) for name in names}


def override(
    session: Session, *, actor: Principal, platform: str | None, document: str, data: Overrides
) -> ScopedSettings:
    """Override settings on the platform (its operations managers, guild leads, admins), or
    set them for the whole installation (guild leads, admins)."""
    scope = _scope(session, platform)
    found = _document(document, scope)
    _govern(actor, scope)
    if not scope:
        return found.set_installation(
            session, actor=actor, settings=data.overrides, version=data.version
        )
    return found.override(
        session,
        actor=actor,
        scope=scope,
        overrides=data.overrides,
        version=data.version,
        vet=partial(VETS[document], session, scope) if document in VETS else None,
    )


def clear(
    session: Session,
    *,
    actor: Principal,
    platform: str | None,
    document: str,
    names: Collection[str],
    version: int,
) -> ScopedSettings:
    """Clear the platform's overrides of `names` (none named: all): it inherits them again.
    For the installation, `names` go back to their shipped defaults."""
    scope = _scope(session, platform)
    found = _document(document, scope)
    _govern(actor, scope)
    if not scope:
        return found.reset_installation(session, actor=actor, names=names, version=version)
    return found.clear(session, actor=actor, scope=scope, names=names, version=version)


def history(
    session: Session, *, actor: Principal, platform: str | None, document: str
) -> list[SettingsVersion]:
    """Every version the platform's overrides (or the installation's document) have had,
    the latest first."""
    require(actor, Action.READ)
    scope = _scope(session, platform)
    return _document(document, scope).history(session, scope)
