"""Derived series (hand-computed) and the sentence a person reads."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from ledger.anomaly import AnomalyConfig, ConfigError, daily, detect, hourly
from ledger.series import HourlySeries


def test_derived_hourly_and_daily_series_by_hand():
    s = HourlySeries(
        "Bot", datetime(2025, 3, 3, 22, tzinfo=UTC),
        cost=[1.0, 3.0, 0.0], runs=[2.0, 3.0, 0.0], calls=[2.0, 4.0, 0.0],
        input_tokens=[800.0, 2000.0, 0.0], output_tokens=[200.0, 1000.0, 0.0], retries=[0.0, 1.0, 0.0],
        model_cost={"mini": [1.0, 1.0, 0.0], "max": [0.0, 2.0, 0.0]},
    )
    h = hourly(s)
    assert h.cost_per_run()[:2].tolist() == [0.5, 1.0]
    assert h.tokens_per_run()[:2].tolist() == [500.0, 1000.0]
    assert h.price_per_token()[:2].tolist() == [0.001, 0.001]
    assert h.retry_share()[:2].tolist() == [0.0, 0.25]
    assert h.model_mix()["max"][1] == pytest.approx(2 / 3)
    d = daily(s)
    assert d.start == datetime(2025, 3, 3, tzinfo=UTC)
    assert d.cost.tolist() == [4.0, 0.0]
    assert d.tokens_per_run()[0] == pytest.approx(4000 / 5)


def test_sentences_say_what_moved_from_what_to_what_since_when(series):
    [volume] = detect(series(7, changes=(("runs", 100, None, 3.0),)))
    pattern = (r"Support Agent: runs/hour went from (19|2\d) to (5[5-9]|6\d) starting 0[1-4]:00 UTC on Mar 07 "
               r"\(cost (2\.[6-9]|3\.[0-4])x, \+\$\d+\.\d\d\); no recorded change explains this")
    assert re.fullmatch(pattern, volume.sentence), volume.sentence
    [tokens] = detect(series(7, changes=(("tokens", 100, None, 1.7),)))
    assert "cost per run rose 1.7x (tokens per run 2,0" in tokens.sentence
    assert " -> 3,4" in tokens.sentence


def test_config_overrides_name_the_bad_field():
    with pytest.raises(ConfigError, match="unknown field 'min_usd'"):
        AnomalyConfig().with_overrides({"min_usd": 3})
    with pytest.raises(ConfigError, match="'lookback_days' needs a whole number"):
        AnomalyConfig().with_overrides({"lookback_days": 2.5})
    assert AnomalyConfig().with_overrides({"lookback_days": 7}).lookback_days == 7
