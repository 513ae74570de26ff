"""A real peer the tests need and this machine lacks: outside CI the tests that need it are
skipped, saying how to install it; in CI, which installs every peer, they fail."""

from __future__ import annotations

import pytest

from tests.conftest import missing_peer

HOW = "no Chromium at /nowhere/chromium: apt-get install -y chromium"


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_outside_ci_a_missing_peer_is_a_skip_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, ci: str | None
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        missing_peer(HOW)


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_in_ci_a_missing_peer_is_a_failure(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        missing_peer(HOW)
