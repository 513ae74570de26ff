"""`opsroom user ...` and `opsroom token ...`."""

from __future__ import annotations

import sys
from datetime import datetime

import typer

from opsroom.auth import schemas
from opsroom.auth import service as auth
from opsroom.auth.console import JsonOption, actor, emit, fail, out, table, unit_of_work
from opsroom.auth.domain import Role, Scope

user_app = typer.Typer(help="Accounts: people and service accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (Authorization: Bearer ...).", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        fail("no terminal to ask for the password on; pass --password-stdin and pipe it in")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("create")
def create(
    email: str = typer.Option(..., help="sign-in email"),
    name: str = typer.Option(..., help="display name"),
    role: Role = typer.Option(Role.VIEWER, help="what they may do"),
    admin: bool = typer.Option(False, "--admin", help="shorthand for --role admin"),
    vendor: str | None = typer.Option(None, help="vendor slug, for vendor contacts"),
    organisation: str | None = typer.Option(None, help="customer organisation, for requesters"),
    timezone: str = typer.Option("UTC", help="IANA zone, e.g. Europe/Amsterdam"),
    service_account: bool = typer.Option(
        False, "--service-account", help="no password: tokens only"
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from stdin"
    ),
) -> None:
    """Create an account; asks for the password unless it is a service account."""
    password = None if service_account else _read_password(password_stdin)
    with unit_of_work(write=True) as session:
        data = schemas.UserCreate.model_validate(
            {
                "email": email,
                "display_name": name,
                "role": Role.ADMIN if admin else role,
                "vendor": vendor,
                "organisation": organisation,
                "timezone": timezone,
                "password": password,
                "service_account": service_account,
            }
        )
        user = auth.create_user(session, actor=actor(session), data=data)
    out.print(f"created {user.email} ({user.role})")


@user_app.command("list")
def list_users(as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        users = [
            schemas.UserRead.model_validate(u)
            for u in auth.list_users(session, actor=actor(session))
        ]
    emit(
        users,
        as_json,
        lambda: table(
            "Users",
            ["email", "name", "role", "active", "last sign-in"],
            [(u.email, u.display_name, u.role, u.is_active, u.last_login_at) for u in users],
        ),
    )


@user_app.command("set-role")
def set_role(
    email: str,
    role: Role,
    vendor: str | None = typer.Option(None),
    organisation: str | None = typer.Option(None, help="for requesters"),
) -> None:
    """Change someone's role (audited)."""
    with unit_of_work(write=True) as session:
        user = auth.get_user(session, email)
        auth.update_user(
            session,
            actor=actor(session),
            email=email,
            data=schemas.UserUpdate(
                version=user.version, role=role, vendor=vendor, organisation=organisation
            ),
        )
    out.print(f"{email} is now {role.value}")


@user_app.command("platforms")
def platforms(
    email: str,
    platform: list[str] = typer.Option(
        [], "--platform", help="a platform they govern; repeat for several, none for none"
    ),
) -> None:
    """Set the platforms an operations manager governs (audited)."""
    with unit_of_work(write=True) as session:
        assigned = auth.assign_platforms(
            session, actor=actor(session), email=email, platforms=platform
        )
    out.print(f"{email} governs {', '.join(assigned) or 'no platform'}")


@user_app.command("passwd")
def passwd(email: str, password_stdin: bool = typer.Option(False, "--password-stdin")) -> None:
    """Set a new password; signs the account out everywhere."""
    password = _read_password(password_stdin)
    with unit_of_work(write=True) as session:
        auth.set_password(session, actor=actor(session), email=email, password=password)
    out.print(f"password changed for {email}")


@token_app.command("create")
def create_token(
    name: str = typer.Option(..., help="what the token is for"),
    scope: list[Scope] = typer.Option([Scope.READ], "--scope", help="repeat for several"),
    user: str | None = typer.Option(None, help="whose token (default: the account you act as)"),
    expires: datetime | None = typer.Option(
        None, help="expiry, ISO 8601 with zone, e.g. 2027-01-31T00:00:00+00:00"
    ),
) -> None:
    """Create a token and print its secret: the only time it is ever shown."""
    with unit_of_work(write=True) as session:
        data = schemas.TokenCreate(name=name, scopes=scope, user=user, expires_at=expires)
        secret, token = auth.create_token(session, actor=actor(session), data=data)
    out.print(
        f"token {token.id} for {token.user.email} ({', '.join(token.scopes)}); store it now, it is not shown again:"
    )
    typer.echo(secret)


@token_app.command("list")
def list_tokens(user: str | None = typer.Option(None), as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        tokens = [
            schemas.TokenRead.model_validate(t)
            for t in auth.list_tokens(session, actor=actor(session), user=user)
        ]
    emit(
        tokens,
        as_json,
        lambda: table(
            "Tokens",
            ["id", "name", "user", "scopes", "expires", "last used", "revoked"],
            [
                (
                    t.id,
                    t.name,
                    t.user,
                    ",".join(t.scopes),
                    t.expires_at,
                    t.last_used_at,
                    t.revoked_at,
                )
                for t in tokens
            ],
        ),
    )


@token_app.command("revoke")
def revoke(token_id: int) -> None:
    with unit_of_work(write=True) as session:
        auth.revoke_token(session, actor=actor(session), token_id=token_id)
    out.print(f"token {token_id} revoked")
