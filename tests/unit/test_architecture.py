"""House rules import-linter cannot express: services never commit, and a domain reaches
another domain only through its service (or its pure schemas and rules)."""

from __future__ import annotations

import ast
from pathlib import Path

import opsroom

PACKAGE = Path(opsroom.__file__).parent
SHARED_LAYERS = {"service", "schemas", "domain", "sources"}
# Packages every adapter builds on, and the ones that compose the domains from above.
KITS = {"infra", "web"}
# Modules of a domain that every domain above it builds on: the HTTP and CLI kits, and the
# kits for versioned, audited records and settings documents.
KIT_MODULES = {
    "opsroom.auth.deps",
    "opsroom.auth.console",
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
