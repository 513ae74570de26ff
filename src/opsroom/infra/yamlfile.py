"""YAML files people write by hand (catalog files, OpenSLO documents): read keeping each
value's line, so an error names the line and the field it is about."""

from __future__ import annotations

from typing import Any

import yaml

from opsroom.infra.errors import ValidationFailed

Path = tuple[str | int, ...]
Lines = dict[Path, int]


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_map(node: yaml.Node, path: Path = (), lines: Lines | None = None) -> Lines:
    lines = {} if lines is None else lines
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            line_map(value, (*path, key.value), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            line_map(item, (*path, i), lines)
    return lines


def line_of(lines: Lines, path: Path) -> int:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def failure(lines: Lines, problems: list[tuple[Path, str]]) -> ValidationFailed:
    """The error for these problems, each field named with its line; the message names the
    first."""
    fields = {dotted(p) or "file": f"line {line_of(lines, p)}: {msg}" for p, msg in problems}
    first_path, first_msg = problems[0]
    where = dotted(first_path)
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return ValidationFailed(
        f"line {line_of(lines, first_path)}: {where + ': ' if where else ''}{first_msg}{more}",
        fields=fields,
    )


def _not_yaml(exc: yaml.MarkedYAMLError) -> ValidationFailed:
    line = exc.problem_mark.line + 1 if exc.problem_mark else 1
    return ValidationFailed(
        f"line {line}: not valid YAML: {exc.problem}",
        fields={"file": f"line {line}: {exc.problem}"},
    )


def load(text: str) -> tuple[Any, Lines]:
    """The one document in `text` and its lines."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        raise _not_yaml(exc) from exc
    finally:
        loader.dispose()
    return data, line_map(node) if node is not None else {}


def load_all(text: str) -> tuple[list[Any], Lines]:
    """Every document in `text` (`---` between them); the lines are keyed by the document's
    index first."""
    loader = yaml.SafeLoader(text)
    documents: list[Any] = []
    lines: Lines = {}
    try:
        while loader.check_node():
            node = loader.get_node()
            assert node is not None  # check_node said there is one
            line_map(node, (len(documents),), lines)
            documents.append(loader.construct_document(node))
    except yaml.MarkedYAMLError as exc:
        raise _not_yaml(exc) from exc
    finally:
        loader.dispose()
    return documents, lines
