from __future__ import annotations

from pathlib import Path

import pytest

from opsroom.infra.config import Settings
from opsroom.infra.db import normalise_url


def test_settings_come_from_opsroom_toml_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "opsroom.toml").write_text('port = 9000\ntimezone = "Europe/Amsterdam"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPSROOM_PORT", "9100")
    settings = Settings()
    assert (settings.port, settings.timezone) == (9100, "Europe/Amsterdam")


def test_default_is_an_embedded_sqlite_file_under_var(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPSROOM_DATABASE_URL", raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///./var/opsroom.db"
    assert settings.sqlite_path() == Path("var/opsroom.db")


def test_tls_is_inferred_from_the_public_url() -> None:
    assert Settings(base_url="https://ops.example.com").uses_tls
    assert not Settings(base_url="http://127.0.0.1:8000").uses_tls
    assert Settings(base_url="http://internal", secure_cookies=True).uses_tls


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://ops@db/opsroom", "postgresql+psycopg://ops@db/opsroom"),
        ("postgresql://ops@db/opsroom", "postgresql+psycopg://ops@db/opsroom"),
        ("postgresql+psycopg://ops@db/opsroom", "postgresql+psycopg://ops@db/opsroom"),
        ("sqlite:///var/x.db", "sqlite:///var/x.db"),
    ],
)
def test_pasted_postgres_urls_use_psycopg3(given: str, used: str) -> None:
    assert normalise_url(given) == used


def test_links_point_where_opsroom_listens_unless_a_public_url_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPSROOM_BASE_URL", raising=False)
    assert Settings(port=8123).base_url == "http://127.0.0.1:8123"
    assert Settings(host="0.0.0.0", port=9000).base_url == "http://127.0.0.1:9000"
    monkeypatch.setenv("OPSROOM_BASE_URL", "https://ops.example.com")
    assert Settings(port=8123).base_url == "https://ops.example.com"
