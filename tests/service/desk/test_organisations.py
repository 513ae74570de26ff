"""Customer organisations as records: kept by their platforms' operations managers, one
organisation per email domain, and who an email address is to the desk."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from opsroom.auth import schemas as auth_schemas
from opsroom.auth import service as accounts
from opsroom.auth.domain import Principal, Role
from opsroom.desk import organisations, schemas
from opsroom.desk import service as desk
from opsroom.infra.errors import Conflict, Forbidden, StaleVersion, ValidationFailed
from tests.improvement import MANAGER, RESPONDER

ADMIN = Principal(name="admin@example.com", role=Role.ADMIN)
ACME = schemas.OrganisationCreate(
    name="Acme", domains=["Acme.example", "acme-corp.example"], platforms=["procurement"]
)


def requester(session: Session, email: str, organisation: str) -> None:
    data = auth_schemas.UserCreate(
        email=email,
        display_name=email,
        role=Role.REQUESTER,
        organisation=organisation,
        password="a long enough passphrase",
    )
    accounts.create_user(session, actor=ADMIN, data=data)


@pytest.fixture
def platform(catalogued: Session) -> Session:
    """No organisations yet: each test makes its own."""
    return catalogued


def test_an_organisation_knows_its_domains_platforms_and_requesters(platform: Session) -> None:
    organisations.create(platform, actor=MANAGER, data=ACME)
    requester(platform, "ann@elsewhere.example", "Acme")
    read = organisations.read(platform, organisations.get(platform, actor=RESPONDER, name="Acme"))
    assert (read.domains, read.platforms, read.requesters) == (
        ["acme-corp.example", "acme.example"],
        ["procurement"],
        ["ann@elsewhere.example"],
    )


def test_a_sender_is_an_account_first_then_an_organisations_domain(platform: Session) -> None:
    organisations.create(platform, actor=MANAGER, data=ACME)
    requester(platform, "ann@elsewhere.example", "Acme")
    assert organisations.sender(platform, "Ann@Elsewhere.example") == schemas.Sender(
        address="ann@elsewhere.example", organisation="Acme", account=True
    )
    assert organisations.sender(platform, "bob@acme.example") == schemas.Sender(
        address="bob@acme.example", organisation="Acme", account=False
    )
    assert organisations.sender(platform, "eve@unknown.example") is None
    assert organisations.sender(platform, "lead@example.com") is None  # staff, not a customer


def test_a_domain_belongs_to_one_organisation(platform: Session) -> None:
    organisations.create(platform, actor=MANAGER, data=ACME)
    globex = ACME.model_copy(update={"name": "Globex", "domains": ["acme.example"]})
    with pytest.raises(Conflict) as taken:
        organisations.create(platform, actor=MANAGER, data=globex)
    assert taken.value.fields == {"domains": "acme.example is Acme's"}
    with pytest.raises(Conflict):
        organisations.create(platform, actor=MANAGER, data=ACME)


def test_changes_are_versioned_and_refusals_name_the_field(platform: Session) -> None:
    organisations.create(platform, actor=MANAGER, data=ACME)
    moved = organisations.update(
        platform,
        actor=MANAGER,
        name="Acme",
        data=schemas.OrganisationUpdate(version=1, domains=["acme.example"]),
    )
    assert ([d.domain for d in moved.domains], moved.version) == (["acme.example"], 2)
    with pytest.raises(StaleVersion):
        organisations.update(
            platform, actor=MANAGER, name="Acme", data=schemas.OrganisationUpdate(version=1)
        )
    nowhere = schemas.OrganisationUpdate(version=2, platforms=["nowhere"])
    with pytest.raises(ValidationFailed) as unknown:
        organisations.update(platform, actor=MANAGER, name="Acme", data=nowhere)
    assert unknown.value.fields == {"platforms": "no platform 'nowhere'"}


def test_only_operations_managers_keep_organisations(platform: Session) -> None:
    with pytest.raises(Forbidden):
        organisations.create(platform, actor=RESPONDER, data=ACME)
    ann = Principal(name="ann@acme.example", role=Role.REQUESTER, organisation="Acme")
    with pytest.raises(Forbidden):
        organisations.all_organisations(platform, actor=ann)


def test_a_requester_and_a_ticket_belong_to_an_organisation_on_record(platform: Session) -> None:
    with pytest.raises(ValidationFailed) as account:
        requester(platform, "bo@acme.example", "Acme")
    assert account.value.fields == {"organisation": "no organisation 'Acme'"}
    assert accounts.requesters_of(platform, "Acme") == []
    reported = schemas.TicketCreate(
        title="Cannot sign in", requester="bo@acme.example", organisation="Acme", service="auth"
    )
    with pytest.raises(ValidationFailed) as ticket:
        desk.open_ticket(platform, actor=RESPONDER, data=reported)
    assert ticket.value.fields == {"organisation": "no organisation 'Acme'"}
    organisations.create(platform, actor=MANAGER, data=ACME)
    requester(platform, "bo@acme.example", "Acme")
    assert desk.open_ticket(platform, actor=RESPONDER, data=reported).organisation == "Acme"
