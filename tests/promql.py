"""What the shipped monitoring files ask Prometheus for: every PromQL expression of the Grafana dashboards (their
Prometheus panels, template variables substituted) and of the alert rules, and the metric names an expression
reads. Shared by the catalogue test (names the code exports) and the promtool test (expressions parse)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DASHBOARDS = ROOT / "ops" / "grafana" / "dashboards"
ALERTS = ROOT / "ops" / "prometheus" / "alerts.yml"
#: Grafana's variables, replaced by values Prometheus accepts where they stand (a regex, a range).
VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h", "$instance": ".*"}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, those inside collapsed rows too."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def is_prometheus(panel: dict[str, Any], target: dict[str, Any]) -> bool:
    """The target's datasource (else the panel's) is Prometheus: a Loki panel (logs.json) is not checked here."""
    source = target.get("datasource") or panel.get("datasource") or {}
    return isinstance(source, dict) and source.get("type") == "prometheus"


def dashboard_files() -> list[Path]:
    return sorted(DASHBOARDS.glob("*.json"))


def dashboard_expressions(path: Path) -> list[tuple[str, str]]:
    """(panel title, expression as Grafana sends it, variables substituted) of every Prometheus target."""
    found = []
    for panel in panels(json.loads(path.read_text())):
        for target in panel.get("targets", []):
            if is_prometheus(panel, target) and target.get("expr"):
                found.append((panel.get("title", "?"), substitute(target["expr"])))
    return found


def alert_expressions() -> list[tuple[str, str]]:
    rules = yaml.safe_load(ALERTS.read_text())
    return [(rule["alert"], rule["expr"]) for group in rules["groups"] for rule in group["rules"]]


def substitute(expr: str) -> str:
    for name, value in VARIABLES.items():
        expr = expr.replace(name, value)
    return expr


def metric_names(expr: str) -> set[str]:
    """The series names an expression selects: identifiers left once strings, label matchers, ranges and
    by/without/on/ignoring clauses are removed, that are no function call or keyword."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = re.findall(r"(?<![\w:.])([A-Za-z_:][\w:]*)\b(?!\s*\()", text)
    return {n for n in names if n.lower() not in KEYWORDS}
