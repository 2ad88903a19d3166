"""The OpenAPI document tells the truth: schemathesis generates requests from it (examples, boundary and negative
cases, fuzzing, stateful sequences) against the real server on 127.0.0.1 and finds no server error, no undocumented
status or content type, no schema-valid request refused and no schema-invalid one taken. Bounded: a fixed seed,
a few examples per operation and a time budget."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.app import create_app
from orgmap.demo.data import generate

ST = shutil.which("st") or str(Path(sys.executable).parent / "st")


def test_schemathesis_finds_no_failure(doors, now, tmp_path: Path) -> None:
    if not Path(ST).is_file():
        pytest.fail("schemathesis is not installed: pip install -e '.[test]'")
    vault = doors.copy_company(tmp_path)  # a store of its own: the writes it generates stay here
    data = generate(seed=7, now=now, days=14, scale=0.02)  # a little of everything, so each request is quick
    with doors.opener(vault)() as service:
        service.record_cost(data.cost_events)
        service.record_changes(data.change_events)
    app = create_app(doors.opener(vault))
    operations = sum(len(methods) for methods in app.openapi()["paths"].values())
    with doors.live_server(app) as base:
        run = subprocess.run(
            [ST, "run", f"{base}/openapi.json", "--max-examples", "5", "--seed", "7",
             "--request-timeout", "30", "--no-color", "--warnings", "off", "--report-dir", str(tmp_path / "report")],
            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    assert f"Tested: {operations}" in run.stdout, summary  # every operation, the receivers and writes included
