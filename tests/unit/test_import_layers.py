"""Imports run one way: base ← domain ← commands ← projections ← brokers ← gateway ← ops (entry points).

`base` (settings, logging, metrics, NATS subjects and identities) and `domain` (pure rules) import no other layer;
a layer may import only the layers listed for it. A new module that imports upwards fails here, naming the line."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "domain": set(),
    "commands": {"base", "domain"},
    "projections": {"base", "domain", "commands"},
    "brokers": {"base", "domain", "commands", "projections"},
    "gateway": {"base", "domain", "commands", "projections", "brokers"},
    "ops": {"base", "domain", "commands", "projections", "brokers", "gateway"},
    "bench": {"base", "domain", "commands", "projections", "brokers", "gateway", "ops"},
}


def imported_layers(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.split(".")[0] in ALLOWED]


def test_no_layer_imports_one_above_it() -> None:
    upward = [f"{path.relative_to(ROOT)}:{line} imports {name}"
              for layer, allowed in ALLOWED.items()
              for path in sorted((ROOT / layer).rglob("*.py"))
              for line, name in imported_layers(path)
              if name.split(".")[0] not in allowed | {layer}]
    assert upward == []


def test_domain_imports_only_the_standard_library_and_pydantic() -> None:
    third_party = {"pydantic", "pydantic_core"}
    outside = [f"{path.relative_to(ROOT)}: {name}" for path in sorted((ROOT / "domain").rglob("*.py"))
               for node in ast.walk(ast.parse(path.read_text()))
               for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else
                            [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                            else [])
               if name.split(".")[0] not in third_party | {"domain", "__future__"}
               and name.split(".")[0] not in __import__("sys").stdlib_module_names]
    assert outside == []
