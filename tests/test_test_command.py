"""The test run ends with pytest's closing summary line ("N passed in Xs"), whether it is run as the README says
(`.venv/bin/pytest`) or with `-q`: the project's own options must not make it quiet twice over."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_runs_the_tests_with_pytest_alone() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"&& \.venv/bin/pytest\n", readme)


@pytest.mark.parametrize("options", [[], ["-q"]])
def test_the_closing_summary_line_is_printed(options: list[str], tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text("def test_one():\n    pass\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", *options, "-p", "no:cacheprovider",
                           "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^=*\s*1 passed in [\d.]+s", done.stdout, re.M), done.stdout
