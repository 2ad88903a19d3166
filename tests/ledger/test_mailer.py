"""The SMTP settings come from the environment; a wrong value stops orgmap with the variable's name, and TLS modes
pick their usual port."""

from __future__ import annotations

import pytest

from ledger import SmtpSettings


def test_no_host_means_no_email() -> None:
    assert SmtpSettings.from_env({"ORGMAP_SMTP_PORT": "2525"}) is None


@pytest.mark.parametrize(("env", "port", "tls"), [
    ({}, 587, "starttls"), ({"ORGMAP_SMTP_TLS": "ssl"}, 465, "ssl"), ({"ORGMAP_SMTP_TLS": "NONE"}, 25, "none"),
    ({"ORGMAP_SMTP_PORT": "2525", "ORGMAP_SMTP_TLS": "none"}, 2525, "none"),
])
def test_tls_modes_pick_their_usual_port(env: dict[str, str], port: int, tls: str) -> None:
    found = SmtpSettings.from_env({"ORGMAP_SMTP_HOST": "smtp.example.com", **env})
    assert found is not None and (found.host, found.port, found.tls) == ("smtp.example.com", port, tls)


def test_credentials_and_sender() -> None:
    found = SmtpSettings.from_env({"ORGMAP_SMTP_HOST": "mail", "ORGMAP_SMTP_USER": "bot", "ORGMAP_SMTP_PASSWORD": "pw",
                                   "ORGMAP_SMTP_FROM": "alerts@example.com"})
    assert found is not None and (found.user, found.password, found.sender) == ("bot", "pw", "alerts@example.com")


@pytest.mark.parametrize(("env", "named"), [
    ({"ORGMAP_SMTP_PORT": "smtp"}, "ORGMAP_SMTP_PORT"), ({"ORGMAP_SMTP_PORT": "70000"}, "ORGMAP_SMTP_PORT"),
    ({"ORGMAP_SMTP_TLS": "yes"}, "ORGMAP_SMTP_TLS"),
])
def test_a_wrong_value_names_its_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        SmtpSettings.from_env({"ORGMAP_SMTP_HOST": "mail", **env})
