"""The one way in for events: every door (HTTP, MCP, the CLI), the importers, the live receivers, the demo and the
vault watcher hand their events to the `Intake`, which stores them through the ledger kept in step with the vault.

Importer output (cost events, change events and row errors, interleaved) is split into the ledger's two ingests, with
one summary (`ImportSummary`) naming every rejected row by file and line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importers import Cursor, RowError, events_from_litellm_payload, events_from_otlp, git_changes, merge_targets
from importers import read as read_file
from ledger import IngestReport, ItemResult, Rejection
from orgmap.answer_types import IngestAnswer
from orgmap.errors import NotFound
from orgmap.nodes import resolve
from orgmap.vault_changes import change_events_from
from orgmap.wording import money

# Two replicas' watchers see one vault edit (each in its own copy, synced) within this of each other: one change event.
_SAME_EDIT = timedelta(minutes=10)

if TYPE_CHECKING:
    from datetime import datetime

    from graph import CompanyGraph
    from graph.company import NoteChange
    from ledger import Ledger

__all__ = ["ImportSummary", "Intake", "ingest_answer"]


@dataclass(slots=True)
class ImportSummary:
    """What one import did, over all its files: the ledger's counts plus the rows not stored, by file and line.

    `unreadable` holds the rows no importer could read and, for files, the rows the ledger rejected;
    the ledger's reports keep rejections only where there is no file (their row is the event number).
    """

    cost: IngestReport = field(default_factory=IngestReport)
    changes: IngestReport = field(default_factory=IngestReport)
    unreadable: list[RowError] = field(default_factory=list)
    warned: list[RowError] = field(default_factory=list)  # rows stored with a warning, where there is a file

    @property
    def accepted(self) -> int:
        return self.cost.accepted + self.changes.accepted

    @property
    def duplicates(self) -> int:
        return self.cost.duplicates + self.changes.duplicates

    def rejected(self) -> list[str]:
        """Every rejected row, one line each: file and line (or element) where there is a file, else event number."""
        out = [str(e) for e in self.unreadable]
        out += [f"cost event {r.row}: {r.field}: {r.message}" for r in self.cost.rejected]
        out += [f"change event {r.row}: {r.field}: {r.message}" for r in self.changes.rejected]
        return out

    def answer(self) -> IngestAnswer:
        """The cost side as the HTTP receivers answer it, every rejected row (unreadable ones included) listed."""
        rejected = [Rejection(e.line, e.field, f"{e.file}: {e.message}") for e in self.unreadable]
        rejected += [*self.cost.rejected, *self.changes.rejected]
        return ingest_answer(self.cost).model_copy(update={"rejected": rejected})

    def headline(self) -> str:
        """The first line of the summary: stored, duplicates, rejected, total."""
        done = f"{self.cost.outcomes:,} outcome, " if self.cost.outcomes else ""
        return (f"{self.accepted:,} events stored ({self.cost.accepted - self.cost.outcomes:,} cost, {done}"
                f"{self.changes.accepted:,} change), "
                f"{self.duplicates:,} duplicates, {len(self.rejected()):,} rejected; "
                f"${self.cost.total_cost_usd:,.2f} imported")

    def as_json(self) -> dict[str, Any]:
        """The summary for scripts (`orgmap ingest/import --json`): the counts, every rejected row and warning with
        `file`, `line` (the event's number where there is no file), `element` (a JSON array's index), `field` and
        `message`, the unattributed names, the unpriced models and the total."""

        def rows(placed: list[RowError], numbered: list[tuple[str, Rejection]]) -> list[dict[str, Any]]:
            return [asdict(e) for e in placed] + [{"file": None, "line": r.row, "field": r.field,
                                                  "message": f"{what} event: {r.message}", "element": None}
                                                 for what, r in numbered]

        return {"summary": self.headline(), "accepted": self.accepted,
                "cost_events": self.cost.accepted - self.cost.outcomes, "change_events": self.changes.accepted,
                "outcome_events": self.cost.outcomes, "duplicates": self.duplicates,
                "rejected": rows(self.unreadable, [("cost", r) for r in self.cost.rejected]
                                 + [("change", r) for r in self.changes.rejected]),
                "warnings": rows(self.warned, [("cost", w) for w in self.cost.warnings]),
                "unattributed": self.cost.unattributed, "unpriced": [asdict(u) for u in self.cost.unpriced],
                "total_cost_usd": round(self.cost.total_cost_usd, 8)}

    def lines(self) -> list[str]:
        """The summary a person reads at the end of an import."""
        out = [self.headline()]
        out += [f"  rejected: {line}" for line in self.rejected()[:50]]
        if len(self.rejected()) > 50:
            out.append(f"  ... and {len(self.rejected()) - 50} more rejected rows")
        out += [f"  warning: {w}" for w in self.warned[:10]]
        out += [f"  warning: event {w.row}: {w.field}: {w.message}" for w in self.cost.warnings[:10]]
        if self.cost.unattributed:
            out.append(f"  unattributed agent names (add them as aliases or cost_keys): "
                       f"{', '.join(self.cost.unattributed[:20])}")
        for model in self.cost.unpriced[:20]:
            name = f"{model.model or '(no model)'} ({model.provider or 'any provider'})"
            out.append(f"  unpriced model {name}: {model.events:,} events, "
                       f"{model.input_tokens:,} input and {model.output_tokens:,} output tokens")
        return out


def ingest_answer(report: IngestReport, what: str = "events") -> IngestAnswer:
    """An ingest report as the doors return it, with a one-line summary."""
    stored = f"{report.accepted} {what} stored" + (f" ({report.outcomes} outcomes)" if report.outcomes else "")
    parts = [stored, f"{report.duplicates} duplicates", f"{len(report.rejected)} rejected"]
    if report.unattributed:
        parts.append(f"unattributed names: {', '.join(report.unattributed[:5])}")
    if report.unpriced:
        parts.append(f"unpriced models: {', '.join(u.model for u in report.unpriced[:5])}")
    if what == "events":
        parts.append(f"{money(report.total_cost_usd)} total")
    return IngestAnswer(summary="; ".join(parts),
                        accepted=report.accepted, duplicates=report.duplicates, rejected=report.rejected,
                        warnings=report.warnings, unattributed=report.unattributed, unpriced=report.unpriced,
                        total_cost_usd=round(report.total_cost_usd, 8), items=report.items, outcomes=report.outcomes)


def _merge(a: IngestReport, b: IngestReport) -> IngestReport:
    names = list(dict.fromkeys([*a.unattributed, *b.unattributed]))
    return IngestReport(a.accepted + b.accepted, a.duplicates + b.duplicates, [*a.rejected, *b.rejected],
                        [*a.warnings, *b.warnings], names, [*a.unpriced, *b.unpriced],
                        a.total_cost_usd + b.total_cost_usd, [*a.items, *b.items], a.alerts + b.alerts,
                        a.outcomes + b.outcomes)


def _place(cursor: Cursor) -> int:
    """The cursor's place as one number for the ledger to report a row by: the line, or -(i + 1) for element i of a
    JSON array (the two cannot be confused). Numbering events by place keeps no memory per event."""
    return cursor.line if cursor.element is None else -(cursor.element + 1)


def _placed(file: str, found: Iterable[Rejection], place: Callable[[int], int] = int) -> list[RowError]:
    """The ledger's rejections or warnings (rows numbered by `_place`, through `place`) as row errors in `file`."""
    out = []
    for r in found:
        at = place(r.row)
        out.append(RowError(file, at, r.field, r.message) if at > 0 else RowError(file, 0, r.field, r.message, -at - 1))
    return out


class Intake:
    """Stores events of every origin through the ledger kept in step with the graph (`ledger`, a `LedgerInStep`)."""

    def __init__(self, graph: CompanyGraph, ledger: Callable[[], Ledger], clock: Callable[[], datetime]) -> None:
        self.graph = graph
        self.ledger = ledger
        self.clock = clock

    def cost(self, events: Iterable[Mapping[str, Any]], *, source: str | None = None,
             on_progress: Callable[[int, int | None], None] | None = None,
             item_results: bool = False) -> IngestReport:
        """Cost events in orgmap's schema (docs/events.md), validated, priced and stored; idempotent by id."""
        return self.ledger().ingest_cost(events, source=source, on_progress=on_progress, item_results=item_results)

    def changes(self, events: Iterable[Mapping[str, Any]], *, source: str | None = None) -> IngestReport:
        """Change events (deploys, prompt, model, config changes), validated and stored; idempotent by id."""
        return self.ledger().ingest_changes(events, source=source)

    def recorded_changes(self, events: Iterable[Mapping[str, Any]], *, source: str | None = None,
                         force: bool = False) -> IngestReport:
        """Change events a person or a pipeline records (every door's `record_change(s)`): an event whose `target`
        names no node is refused by that field, with the closest names, and the others are stored as `changes`
        stores them (rows keep their place in the input). `force`, or the event's own `"force": true`, stores it
        anyway, for a node whose note is not written yet (it is kept under that name and attributes once it is)."""
        kept: list[Mapping[str, Any]] = []
        places: list[int] = []
        refused: list[Rejection] = []
        for row, event in enumerate(events, 1):
            target = event.get("target")
            if not force and event.get("force") is not True and isinstance(target, str) and target.strip():
                try:
                    resolve(self.graph, target, field="target")
                except NotFound as exc:
                    refused.append(Rejection(row, "target", f"{exc.message} (force to record a change to a node "
                                                            "that has no note yet)"))
                    continue
            kept.append(event)
            places.append(row)
        report = self.changes(kept, source=source)
        if not refused:
            return report
        items = [replace(i, row=places[i.row - 1]) for i in report.items]
        items += [ItemResult(r.row, "rejected", message=f"{r.field}: {r.message}") for r in refused]
        rejected = [replace(r, row=places[r.row - 1]) for r in report.rejected] + refused
        return replace(report, rejected=sorted(rejected, key=lambda r: r.row),
                       warnings=[replace(w, row=places[w.row - 1]) for w in report.warnings],
                       items=sorted(items, key=lambda i: i.row))

    def vault_edits(self, changes: Sequence[NoteChange]) -> IngestReport:
        """Frontmatter edits seen by the watcher as change events (a `model` switched, `depends_on` edited...). Replicas
        each watch their own copy of the vault: the same edit seen by two within `_SAME_EDIT` is one event."""
        return self.ledger().ingest_changes(change_events_from(changes, self.clock()), source="vault",
                                            alike_within=_SAME_EDIT)

    def items(self, items: Iterable[Mapping[str, Any] | RowError], *, source: str | None = None,
              on_progress: Callable[[int, int | None], None] | None = None,
              cursor: Cursor | None = None) -> ImportSummary:
        """Stream importer output into the ledger: cost events as they come, change events after, errors kept.

        With the `cursor` of the file the items come from, the ledger's rejections are reported at their
        rows in it (with `unreadable`) rather than by event number; the events themselves are stored as given.
        """
        summary = ImportSummary()
        changes: list[Mapping[str, Any]] = []
        change_places: list[int] = []  # the change events are held until the costs are in: their places too

        def costs() -> Iterator[tuple[int, Mapping[str, Any]]]:
            for number, item in enumerate(items, 1):
                if isinstance(item, RowError):
                    summary.unreadable.append(item)
                    continue
                place = number if cursor is None else _place(cursor)
                if "target" in item and "agent" not in item:
                    changes.append(item)
                    change_places.append(place)
                else:
                    yield place, item

        ledger = self.ledger()
        if cursor is None:
            summary.cost = ledger.ingest_cost((item for _, item in costs()), source=source)
        else:
            summary.cost = ledger.ingest_numbered(costs(), source=source)
        if on_progress is not None:
            on_progress(1, 1)
        if changes:
            summary.changes = ledger.ingest_changes(changes, source=source)
        if cursor is not None:
            summary.unreadable += _placed(cursor.file, summary.cost.rejected) + _placed(
                cursor.file, summary.changes.rejected, lambda row: change_places[row - 1])
            summary.warned += _placed(cursor.file, summary.cost.warnings)
            summary.cost = replace(summary.cost, rejected=[], warnings=[])
            summary.changes = replace(summary.changes, rejected=[])
        return summary

    def files(self, paths: Sequence[Path], *, format: str | None = None, mapping: Mapping[str, str] | None = None,
              on_progress: Callable[[int, int | None], None] | None = None) -> ImportSummary:
        """Files of one format (detected per file when not named), idempotently, into one summary; every rejected
        row is named by its file and line (or JSON array element)."""

        def one(path: Path) -> ImportSummary:
            cursor = Cursor()
            return self.items(read_file(path, format, mapping=mapping, on_progress=on_progress, cursor=cursor),
                              cursor=cursor)

        return _each(paths, one)

    def jsonl_files(self, paths: Sequence[Path],
                    on_progress: Callable[[int, int | None], None] | None = None) -> ImportSummary:
        """orgmap's own JSONL cost events on the ledger's fast path; every rejection keeps its file and line."""
        ledger = self.ledger()

        def one(path: Path) -> ImportSummary:
            report = ledger.ingest_jsonl(path, source="jsonl", on_progress=on_progress)
            return ImportSummary(cost=replace(report, rejected=[], warnings=[]),
                                 unreadable=_placed(str(path), report.rejected),
                                 warned=_placed(str(path), report.warnings))

        return _each(paths, one)

    def repo_targets(self) -> dict[str, list[str]]:
        """Node id -> the `repo_paths` globs of its note: which commits are changes to it."""
        found: dict[str, list[str]] = {}
        with self.graph.read() as g:
            for node, globs in g.nodes(data="repo_paths"):
                if isinstance(globs, str):
                    globs = [globs]
                if isinstance(globs, list):
                    found[node] = [str(x) for x in globs if isinstance(x, str)]
        return found

    def git(self, repo: Path, *, path_map: Mapping[str, Sequence[str]] | None = None,
            since: str | None = None) -> ImportSummary:
        """Commits and tags of a git repository as change events on the nodes whose files they touched."""
        targets = merge_targets(self.repo_targets(), path_map or {})
        return self.items(git_changes(repo, targets, since=since), source="git")

    def otlp(self, body: bytes, content_type: str) -> ImportSummary:
        """One OTLP/HTTP trace export (JSON or protobuf): GenAI spans as cost events."""
        return self.items(events_from_otlp(body, content_type), source="otel")

    def litellm(self, payload: Any) -> ImportSummary:
        """LiteLLM's generic logging-callback payload (one object or a list)."""
        return self.items(events_from_litellm_payload(payload), source="litellm")


def _each(paths: Sequence[Path], one: Callable[[Path], ImportSummary]) -> ImportSummary:
    total = ImportSummary()
    for path in paths:
        found = one(path)
        total.cost = _merge(total.cost, found.cost)
        total.changes = _merge(total.changes, found.changes)
        total.unreadable += found.unreadable
        total.warned += found.warned
    return total
