"""Webhook destinations: only http(s) URLs with a host; link-local and cloud metadata addresses refused unless
allowed, in whatever form the system resolver would read them; loopback and private LAN addresses accepted. No DNS:
every address here is an IP literal or a metadata name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger import Ledger, check_webhook_url

NOT_HTTP = ["file:///etc/passwd", "gopher://127.0.0.1:70/_hello", "ftp://127.0.0.1/", "not a url", "", "//host/x",
            "http:///path-only", "https://", "http://exa mple.com/",
            "http://0251.0376.0251.0376/"]  # 169.254.169.254 in octal: httpx refuses such a dotted quad itself
LINK_LOCAL = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://169.254.170.2/v2/credentials",
    "http://[fe80::1]/hook",
    "http://[fe80::1%25eth0]:8080/hook",
    "http://[::ffff:169.254.169.254]/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://Metadata.Google.Internal./computeMetadata/v1/",
    "http://metadata/computeMetadata/v1/",
    "http://169.254.169.254./",
    "http://2852039166/",  # 169.254.169.254 as one number
    "http://0xa9.0xfe.0xa9.0xfe/",  # in hex
    "http://evil.example\\@169.254.169.254/",  # the host httpx connects to is the metadata address
]
ALLOWED = ["http://127.0.0.1:9000/relay", "http://localhost/hook", "http://[::1]:8080/", "http://10.0.0.7/slack",
           "http://192.168.1.20:3000/", "https://hooks.slack.com/services/T000/B000/XXXX",
           "https://user:secret@alerts.example.com/in"]


@pytest.mark.parametrize("url", NOT_HTTP)
def test_only_http_and_https_urls_with_a_host_are_accepted(url: str) -> None:
    with pytest.raises(ValueError, match=r"not a URL|not an http|no host"):
        check_webhook_url(url, allow_link_local=True)


@pytest.mark.parametrize("url", LINK_LOCAL)
def test_link_local_and_metadata_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(ValueError, match="link-local or cloud metadata address"):
        check_webhook_url(url)
    assert check_webhook_url(url, allow_link_local=True) == url


@pytest.mark.parametrize("url", ALLOWED)
def test_loopback_private_and_public_addresses_are_accepted(url: str) -> None:
    assert check_webhook_url(url) == url


def test_a_ledger_refuses_a_webhook_it_must_not_post_to_when_opened(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an http"):
        Ledger.open(tmp_path / "a.db", webhook_url="file:///etc/passwd")
    with pytest.raises(ValueError, match="link-local"):
        Ledger.open(tmp_path / "a.db", webhook_url="http://169.254.169.254/latest/meta-data/")
    Ledger.open(tmp_path / "a.db", webhook_url="http://169.254.169.254/", webhook_allow_link_local=True).close()
