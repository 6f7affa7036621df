"""docs/metrics.md lists exactly the metrics the code registers, and the alert rules and Grafana panels read only
metrics the code exports (the document, the rules and the dashboards cannot drift from base/metrics.py)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re

import yaml
from prometheus_client import REGISTRY

from tests.promql import ALERTS, ROOT, alert_expressions, dashboard_expressions, dashboard_files, metric_names, panels

LAYERS = ("base", "domain", "commands", "projections", "brokers", "gateway", "ops")
#: The series name(s) a family is scraped as, by type (`_created` series are left out: no query needs them).
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",), "info": ("_info",)}


def registered() -> dict[str, str]:
    """Family name -> type of every metric registered once every module of the code is imported."""
    for layer in LAYERS:
        package = importlib.import_module(layer)
        for module in pkgutil.walk_packages(package.__path__, f"{layer}."):
            importlib.import_module(module.name)
    return {family.name: family.type for family in REGISTRY.collect()}


def exported_series() -> set[str]:
    """Every series name a scrape can return, plus Prometheus's own `up`."""
    return {f"{name}{suffix}" for name, kind in registered().items() for suffix in SUFFIXES.get(kind, ("",))} | {"up"}


def documented() -> set[str]:
    return set(re.findall(r"^\| `(\w+)` \|", (ROOT / "docs" / "metrics.md").read_text(), re.MULTILINE))


def test_the_document_lists_exactly_the_metrics_the_code_registers() -> None:
    ours = {name + ("_total" if kind == "counter" else ""): kind
            for name, kind in registered().items() if name.startswith("ledger_")}
    assert documented() - {"up"} == set(ours)
    rows = re.findall(r"^\| `(ledger_\w+)` \| (\w+) \|", (ROOT / "docs" / "metrics.md").read_text(), re.MULTILINE)
    assert {name: kind for name, kind in rows} == ours


def test_alert_rules_read_only_exported_metrics() -> None:
    series = exported_series()
    unknown = {alert: metric_names(expr) - series for alert, expr in alert_expressions() if metric_names(expr) - series}
    assert unknown == {}


def test_every_alert_waits_has_a_severity_and_says_what_happened() -> None:
    for group in yaml.safe_load(ALERTS.read_text())["groups"]:
        for rule in group["rules"]:
            assert rule.get("for"), rule["alert"]
            assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
            assert rule["annotations"].keys() >= {"summary", "description"}, rule["alert"]


def test_grafana_panels_read_only_exported_metrics() -> None:
    series = exported_series()
    unknown = [(path.name, title, sorted(metric_names(expr) - series)) for path in dashboard_files()
               for title, expr in dashboard_expressions(path) if metric_names(expr) - series]
    assert unknown == []
    assert {p.name for p in dashboard_files()} >= {"reward-ledger.json", "business.json"}


def test_every_prometheus_panel_follows_the_instance_selector_on_the_provisioned_datasource() -> None:
    provisioned = yaml.safe_load((ROOT / "ops/grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = next(d["uid"] for d in provisioned["datasources"] if d["type"] == "prometheus")
    for path in (ROOT / "ops/grafana/dashboards").glob("*.json"):
        dashboard = json.loads(path.read_text())
        queries = [t for p in panels(dashboard) for t in p.get("targets", [])
                   if (t.get("datasource") or p.get("datasource") or {}).get("type") == "prometheus"]
        if not queries:
            continue  # a logs dashboard (Loki) has no instance of Prometheus's
        variable = next(v for v in dashboard["templating"]["list"] if v["name"] == "instance")
        assert "label_values(up, instance)" in json.dumps(variable["query"])
        assert variable["multi"] and variable["includeAll"], path.name
        for target in queries:
            assert "$instance" in target["expr"], (path.name, target["expr"])
            assert (target.get("datasource") or {}).get("uid", uid) == uid, path.name


def test_metric_names_sees_through_functions_labels_and_clauses() -> None:
    expr = 'histogram_quantile(0.99, sum by (le, route) (rate(x_bucket{status=~"5..", a="b"}[1m]))) / y or on (a) z'
    assert metric_names(expr) == {"x_bucket", "y", "z"}
