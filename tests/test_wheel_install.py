"""orgmap as users install it: a wheel built from this checkout, installed into a fresh venv (its dependencies from
the package index), runs `orgmap demo` and holds the demo's vault, the dashboard and the API docs' assets.

It needs the package index (PyPI, or the index pip is configured with). Where pip cannot reach it, the test skips,
except under CI (CI=true), where it fails: CI must prove the package works installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-03-02T12:00:00+00:00"
_UNREACHABLE = ("Could not find a version that satisfies", "No matching distribution found", "NewConnectionError",
                "Max retries exceeded", "Network is unreachable", "Temporary failure in name resolution")
_LOCAL = ("build", ".venv", ".git", "__pycache__", "*.egg-info", ".orgmap", ".mypy_cache", ".ruff_cache",
          ".pytest_cache", "orgmap-demo")


def _run(*command: str | Path, cwd: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def _install(venv: Path, wheel: Path) -> None:
    """`pip install WHEEL` into `venv`; skip (fail under CI) when the package index cannot be reached."""
    done = _run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel)
    if done.returncode != 0:
        if any(sign in done.stderr for sign in _UNREACHABLE) and os.environ.get("CI") != "true":
            pytest.skip(f"pip cannot reach the package index: {done.stderr.strip().splitlines()[-1]}")
        raise AssertionError(done.stdout + done.stderr)


@pytest.mark.slow
def test_the_installed_wheel_runs_the_demo(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy, so the build leaves nothing (build/, *.egg-info) in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_LOCAL))
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", source, "-w", tmp_path / "dist")
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("orgmap-*.whl")
    venv = tmp_path / "fresh"
    made = _run(sys.executable, "-m", "venv", venv)
    assert made.returncode == 0, made.stderr
    _install(venv, wheel)

    where = _run(venv / "bin" / "python", "-c", "import json, api.dashboard, api.docs_pages as d, "
                 "orgmap.demo.build as b; print(json.dumps([str(b.EXAMPLE_VAULT), str(api.dashboard.STATIC), "
                 "str(d._FILES)]))", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    vault, static, docs = (Path(p) for p in json.loads(where.stdout))
    assert all(venv in p.parents for p in (vault, static, docs))  # the installed packages, not this checkout
    assert len(list(vault.rglob("*.md"))) == len(list((ROOT / "orgmap" / "demo" / "vault").rglob("*.md")))
    assert {p.name for p in static.iterdir()} >= {"index.html", "dashboard.js", "dashboard.css", "charts.js"}
    assert {p.name for p in (static / "vendor").iterdir()} >= {"uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE"}
    assert {p.name for p in docs.iterdir()} >= {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"}

    demo = tmp_path / "demo"
    ran = _run(venv / "bin" / "orgmap", "demo", "--no-serve", "--dir", demo, "--days", "14", "--scale", "0.05",
               "--now", NOW, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "orgmap demo is ready in" in ran.stderr
    top = _run(venv / "bin" / "orgmap", "top", "--vault", demo, "--json", "--as-of", NOW, cwd=tmp_path)
    assert top.returncode == 0, top.stderr
    assert json.loads(top.stdout)["items"]
