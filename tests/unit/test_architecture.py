"""House rules import-linter cannot express: services never commit, and a domain reaches
another domain only through its use cases (the modules the layer contract in pyproject.toml
puts beside `service`), its schemas or its pure rules: never its tables or its adapters."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import opsroom

PACKAGE = Path(opsroom.__file__).parent
PYPROJECT = PACKAGE.parents[1] / "pyproject.toml"


def _beside(module: str) -> set[str]:
    """The modules the "inside every domain" layer contract lists beside `module`."""
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    inside = next(c for c in contracts if "containers" in c)
    (group,) = [layer for layer in inside["layers"] if f"({module})" in layer]
    return {name.strip(" ()") for name in group.split(":")}


# use cases (beside `service`), schemas and pure rules (beside `domain`)
SHARED_LAYERS = _beside("service") | {"schemas"} | _beside("domain")
# Packages every adapter builds on, and the ones that compose the domains from above.
KITS = {"infra", "web"}
# Modules of a domain that every domain above it builds on: the HTTP and CLI kits, the
# kits for versioned, audited records and settings documents, and the platform filter every
# list takes.
KIT_MODULES = {
    "opsroom.auth.deps",
    "opsroom.auth.console",
    "opsroom.catalog.platform_filters",
    "opsroom.audit.records",
    "opsroom.audit.documents",
}
COMPOSERS = {"runtime", "demo", "home"}


def _modules() -> list[Path]:
    return [
        p
        for p in PACKAGE.rglob("*.py")
        if "node_modules" not in p.parts and "migrations" not in p.parts
    ]


def _domain_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def test_services_never_commit_or_roll_back() -> None:
    offenders = []
    for path in PACKAGE.glob("*/service.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {"commit", "rollback"}:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_domains_reach_each_other_only_through_service_schemas_or_domain() -> None:
    offenders = []
    for path in _modules():
        own = _domain_of(path)
        if own is None or own in KITS | COMPOSERS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("opsroom.")
            ):
                parts = node.module.split(".")
                names = [alias.name for alias in node.names]
                target = parts[1]
                layers = [parts[2]] if len(parts) > 2 else names
                if (
                    target != own
                    and (PACKAGE / target).is_dir()
                    and target not in KITS
                    and node.module not in KIT_MODULES
                    and not set(layers) <= SHARED_LAYERS
                ):
                    offenders.append(
                        f"{path.relative_to(PACKAGE)}: from {node.module} import {', '.join(names)}"
                    )
    assert offenders == []
