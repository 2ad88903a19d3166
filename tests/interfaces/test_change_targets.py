"""A change to a node that does not exist is refused with the closest names at every door, unless forced (for a node
whose note is not written yet); a change with an id is stored once however often it is recorded (CI retries)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from orgmap.cli import main

TYPO = "Suport Reply Agent"


def _change(target: str, **more: object) -> dict[str, object]:
    return {"target": target, "kind": "deploy", "summary": "deploy x", "ts": "2026-03-02T09:00:00Z", **more}


def test_the_cli_refuses_a_misspelled_target_unless_forced(doors: SimpleNamespace, company: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["change", TYPO, "deploy", "x", "--vault", str(company)]) == 2
    err = capsys.readouterr().err
    assert TYPO in err and "Support Reply Agent" in err and "--force" in err  # the closest name, and the way out
    with doors.opener(company)() as svc:
        assert svc.changes(since="3650d").items == []
    assert main(["change", "Future Agent", "deploy", "x", "--vault", str(company), "--force", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["accepted"] == 1 and answer["unattributed"] == ["Future Agent"]


def test_a_change_with_an_id_is_stored_once(doors: SimpleNamespace, company: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    command = ["change", "Support Reply Agent", "deploy", "deploy abc", "--id", "ci-42", "--vault", str(company),
               "--json"]
    assert main(command) == 0
    assert json.loads(capsys.readouterr().out)["accepted"] == 1
    assert main(command) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    with doors.opener(company)() as svc:
        assert [c.id for c in svc.changes(since="3650d").items] == ["ci-42"]


def test_mcp_refuses_a_misspelled_target_unless_forced(doors: SimpleNamespace, company: Path) -> None:
    with doors.mcp_in_memory(doors.opener(company)) as mcp:
        with pytest.raises(mcp.Failed, match="Support Reply Agent"):
            mcp.call("record_change", **_change(TYPO))
        forced = mcp.call("record_change", **_change("Future Agent"), force=True)
        assert forced["accepted"] == 1 and forced["unattributed"] == ["Future Agent"]


def test_http_refuses_each_unknown_target_by_its_field_and_keeps_the_others(doors: SimpleNamespace,
                                                                           company: Path) -> None:
    with doors.api_client(doors.opener(company)) as api:
        batch = [_change("Support Reply Agent", id="c1"), _change(TYPO, id="c2"),
                 _change("Future Agent", id="c3", force=True)]
        answer = api.post("/v1/events/change", json=batch).json()
        assert answer["accepted"] == 2
        assert [(r["row"], r["field"]) for r in answer["rejected"]] == [(2, "target")]
        assert "Support Reply Agent" in answer["rejected"][0]["message"]
        assert [(i["row"], i["status"]) for i in answer["items"]] == [(1, "stored"), (2, "rejected"), (3, "stored")]
        stored = api.get("/v1/changes", params={"since": "3650d"}).json()["items"]
        assert sorted(c["id"] for c in stored) == ["c1", "c3"]
