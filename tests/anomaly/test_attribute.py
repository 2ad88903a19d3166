"""Attribution: the change that fits the factor and came just before wins; abstain when none fits; planned
changes suppress; a dependency's change with peers that moved beats a same-time unrelated one."""

from __future__ import annotations

from datetime import timedelta

from ledger.anomaly import AnomalyConfig, ChangeEvent, detect, effective_kind, explain, peers_moved, with_peers

H = timedelta(hours=1)


def _change(cid, ts, kind, distance=0, target="Support Agent", **kw):
    return ChangeEvent(cid, ts, target, kind, f"{kind} {cid}", ref=cid, graph_distance=distance, **kw)


def test_the_fitting_change_just_before_onset_wins_over_older_later_and_unrelated_ones(series, hour):
    s = series(7, changes=(("price", 100, None, 8.0),))
    changes = [
        _change("model-swap", hour(99), "model"),
        _change("old-model", hour(60), "model"),  # 40 h before
        _change("after", hour(105), "model"),  # after onset, beyond the skew tolerance
        _change("deploy-same-time", hour(99), "deploy"),  # fits price poorly
        _change("elsewhere", hour(99), "model", distance=None),  # not on the agent's dependency path
    ]
    [a] = detect(s, changes=changes)
    assert not a.abstained
    assert [c.change.id for c in a.candidates] == ["model-swap", "deploy-same-time", "old-model"]
    top = a.candidates[0]
    assert top.effective_kind == "model" and top.hours_before_onset == 1.0
    assert "a model change fits a price change (1.00)" in top.evidence


def test_abstains_when_no_recorded_change_explains_it(series, hour):
    s = series(7, changes=(("runs", 100, None, 3.0),))  # traffic growth
    changes = [_change("old", hour(60), "schedule"), _change("late", hour(110), "schedule"),
               _change("prompt", hour(99), "prompt")]
    [a] = detect(s, changes=changes)
    assert a.factor == "volume"
    assert a.abstained and not a.suppressed
    assert a.sentence.endswith("no recorded change explains this")


def test_a_planned_change_suppresses_the_alert_but_keeps_the_anomaly(series, hour):
    s = series(7, changes=(("runs", 100, None, 3.0),))
    [a] = detect(s, changes=[_change("cron", hour(97), "schedule", planned=True)])
    assert a.suppressed and not a.abstained
    assert a.candidates[0].change.id == "cron"
    assert "(planned)" in a.sentence


def test_a_vault_edit_of_the_model_property_is_a_model_change(series, hour):
    edit = _change("vault", hour(99), "vault_edit", details={"property": "model", "old": "mini", "new": "max"})
    assert effective_kind(edit) == "model"
    [a] = detect(series(7, changes=(("price", 100, None, 8.0),)), changes=[edit])
    assert a.candidates[0].change.id == "vault" and not a.abstained


def test_a_dependency_change_with_peers_beats_a_same_time_unrelated_one(series, hour):
    config = AnomalyConfig()
    agents = {name: series(7, seed=i, agent=name, changes=(("calls", 100, 104, 8.0),))
              for i, name in enumerate(["A", "B", "C"])}
    anomalies = [a for s in agents.values() for a in detect(s)]
    assert {a.agent for a in anomalies} == {"A", "B", "C"}
    dependents = {"Vector Store": {"A", "B", "C"}, "Search Tool": {"A", "D", "E", "F"}, "Gateway": {"A", "B", "C"}}
    for distance, target in ((1, "Vector Store"), (2, "Gateway")):
        changes = [
            _change("cause", hour(99.5), "deploy", distance, target),
            _change("distractor", hour(99.5), "deploy", 1, "Search Tool"),
        ]
        changes = with_peers(changes, "A", anomalies, dependents, config)
        assert [(c.peers_moved, c.peers_total) for c in changes] == [(2, 2), (0, 3)]
        [a] = [explain(x, changes, config) for x in anomalies if x.agent == "A"]
        assert [c.change.id for c in a.candidates] == ["cause", "distractor"], distance
        assert f"2 of 2 other dependent(s) of {target} moved too" in a.candidates[0].evidence


def test_peers_moved_counts_dependents_near_the_change_only(series, hour):
    config = AnomalyConfig()
    early = detect(series(7, agent="B", changes=(("calls", 100, 104, 8.0),)))
    late = detect(series(7, agent="C", changes=(("calls", 130, 134, 8.0),)))
    change = _change("d", hour(99.5), "deploy", 1, "Tool")
    assert peers_moved(change, "A", early + late, {"Tool": ["A", "B", "C"]}, config) == (1, 2)
