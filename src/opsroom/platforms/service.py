"""What each platform governs for itself: the settings documents it may override (the rest
inherited from the installation's, then the shipped defaults), read and changed under the
one permission rule."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from opsroom.audit.documents import Document
from opsroom.audit.schemas import Overrides, ScopedSettings, SettingsVersion
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.changes import service as changes
from opsroom.improvement.service import PROBLEM_SETTINGS
from opsroom.incidents import service as incidents
from opsroom.infra.errors import NotFound
from opsroom.kpis import service as kpis

# The documents a platform may override, by the name their address and commands use.
DOCUMENTS: dict[str, Document[Any, Any, Any]] = {
    "incident-policy": incidents.INCIDENT_POLICY,
    "review-settings": PROBLEM_SETTINGS,
    "working-hours": catalog.WORKING_HOURS,
    "availability-targets": kpis.AVAILABILITY_TARGETS,
    "change-approval-policy": changes.APPROVAL_POLICY,
}
# What a platform's overrides must fit besides the document's own rules.
VETS: dict[str, Callable[[Session, str, Any, Any], None]] = {
    "availability-targets": kpis.check_own,
}


def _document(name: str) -> Document[Any, Any, Any]:
    try:
        return DOCUMENTS[name]
    except KeyError:
        raise NotFound(
            f"no settings document '{name}'; a platform has {', '.join(DOCUMENTS)}"
        ) from None


def _platform(session: Session, slug: str) -> str:
    try:
        return catalog.get_platform(session, slug).slug
    except NotFound as exc:
        raise NotFound(f"no platform '{slug}'") from exc


def show(session: Session, *, actor: Principal, platform: str, document: str) -> ScopedSettings:
    """The document as it holds on the platform: each setting, and whether it is inherited."""
    require(actor, Action.READ)
    return _document(document).layered(session, _platform(session, platform))


def show_all(session: Session, *, actor: Principal, platform: str) -> dict[str, ScopedSettings]:
    """Every document a platform may override, as it holds there."""
    return {
        name: show(session, actor=actor, platform=platform, document=name) for name in DOCUMENTS
    }


def override(
    session: Session, *, actor: Principal, platform: str, document: str, data: Overrides
) -> ScopedSettings:
    """Override settings on the platform (its operations managers, guild leads, admins)."""
    found, scope = _document(document), _platform(session, platform)
    require(actor, Action.GOVERN, platforms=[scope])
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
    platform: str,
    document: str,
    names: Collection[str],
    version: int,
) -> ScopedSettings:
    """Clear the platform's overrides of `names` (none named: all): it inherits them again."""
    found, scope = _document(document), _platform(session, platform)
    require(actor, Action.GOVERN, platforms=[scope])
    return found.clear(session, actor=actor, scope=scope, names=names, version=version)


def history(
    session: Session, *, actor: Principal, platform: str, document: str
) -> list[SettingsVersion]:
    """Every version the platform's overrides have had, the latest first."""
    require(actor, Action.READ)
    return _document(document).history(session, _platform(session, platform))
