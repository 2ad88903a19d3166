"""`--webhook`: an address orgmap must not post to stops the command with a message naming the setting before
anything is opened (`serve` never starts); a link-local one passes only when allowed, by flag or environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orgmap.cli import main
from tests.conftest import COMPANY, VaultFactory

ROOT = Path(__file__).resolve().parents[1]


def test_serve_with_a_file_webhook_exits_with_a_message_and_does_not_start(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", "from orgmap.cli import main; raise SystemExit(main())", "serve",
                           "--vault", str(tmp_path), "--port", "0", "--webhook", "file:///etc/passwd"],
                          capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("orgmap: --webhook (or $ORGMAP_WEBHOOK_URL) refused: 'file:///etc/passwd' is not "
                                   "an http:// or https:// URL")
    assert not (tmp_path / ".orgmap").exists()  # no store was created


def test_a_link_local_webhook_needs_the_allow_setting(make_vault: VaultFactory, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = str(make_vault(COMPANY))
    monkeypatch.delenv("ORGMAP_WEBHOOK_ALLOW_LINK_LOCAL", raising=False)
    monkeypatch.setenv("ORGMAP_WEBHOOK_URL", "http://169.254.169.254/latest/meta-data/")
    with pytest.raises(SystemExit, match=r"--webhook \(or \$ORGMAP_WEBHOOK_URL\) refused: .* link-local"):
        main(["budget", "--vault", root])
    with pytest.raises(SystemExit, match="link-local"):
        main(["budget", "--vault", root, "--webhook", "http://metadata.google.internal/computeMetadata/v1/"])
    # allowed: the store opens with the webhook (nothing fires, so nothing is posted)
    assert main(["budget", "--vault", root, "--webhook-allow-link-local", "--json"]) == 0
    monkeypatch.setenv("ORGMAP_WEBHOOK_ALLOW_LINK_LOCAL", "1")
    assert main(["budget", "--vault", root, "--json"]) == 0
    capsys.readouterr()
