"""Redocly CLI (`@redocly/cli`, pinned in package.json, installed by bin/setup with `npm ci`)
lints the served schema with its recommended rules plus the few in redocly.yaml: zero errors,
zero warnings."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from .live import REPORTED, ROOT, tool_problem

REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"


def test_schema_lints_clean(tmp_path, db):
    if not REDOCLY.exists():
        tool_problem("Redocly CLI", "node_modules/.bin/redocly is missing (bin/test installs it with `npm ci` when npm exists)")
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema_path = tmp_path / "openapi.json"
    schema_path.write_text(json.dumps(response.json()))
    run = subprocess.run(
        [str(REDOCLY), "lint", str(schema_path), "--config", str(ROOT / "redocly.yaml"), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REDOCLY_TELEMETRY": "off",
        "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "HOME": str(tmp_path), "NO_COLOR": "1"},
    )
    try:
        report = json.loads(run.stdout)
    except ValueError:
        pytest.fail(f"redocly printed no JSON report (exit {run.returncode}):\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}")
    totals = report["totals"]
    problems = [f"{p['severity']} {p['ruleId']}: {p['message']} at {p['location'][0].get('pointer')}" for p in report["problems"]]
    REPORTED.append(f"redocly lint {report.get('version')}: {totals['errors']} errors, {totals['warnings']} warnings")
    assert totals["errors"] == 0 and totals["warnings"] == 0, "\n".join(problems[:60])
    assert run.returncode == 0, run.stderr[-4000:]
