"""The `orgmap` entry point itself."""

from __future__ import annotations

import pytest

from orgmap.cli import main


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from orgmap.cli import COMMANDS

    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: orgmap" in capsys.readouterr().out
