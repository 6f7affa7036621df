"""The shipped Prometheus files as Prometheus's own tool reads them: `promtool check config` / `check rules` pass,
the alert rules fire on the series the code exports (`promtool test rules`, prometheus/alerts_test.yml), and every
Grafana panel's PromQL parses (written as recording rules, checked the same way)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.promql import ALERTS, ROOT, dashboard_expressions, dashboard_files

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("promtool") is None,
                                 reason="promtool not on PATH (Debian: apt-get install prometheus; "
                                         "`make test` does as root)")]


def promtool(*args: str | Path) -> str:
    done = subprocess.run(["promtool", *map(str, args)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_the_shipped_config_and_its_rule_files_check() -> None:
    config = ROOT / "ops" / "prometheus" / "prometheus.yml"
    assert yaml.safe_load(config.read_text())["rule_files"] == ["alerts.yml"]  # relative: compose mounts the dir
    assert "1 rule files found" in promtool("check", "config", config)
    promtool("check", "rules", ALERTS)


def test_the_alerts_fire_on_the_exported_series() -> None:
    out = promtool("test", "rules", Path(__file__).parent / "prometheus" / "alerts_test.yml")
    assert "SUCCESS" in out


def test_every_grafana_panel_query_parses(tmp_path: Path) -> None:
    rules = [{"record": f"panel:{path.stem.replace('-', '_')}:{n}", "expr": expr}
             for path in dashboard_files() for n, (_, expr) in enumerate(dashboard_expressions(path))]
    assert len(rules) >= 20
    (tmp_path / "panels.yml").write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    assert f"SUCCESS: {len(rules)} rules found" in promtool("check", "rules", tmp_path / "panels.yml")
