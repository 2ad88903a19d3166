"""`orgmap ingest` (orgmap's own event schema) and `orgmap import` (outside formats): files in, a summary out.

Both stream their files with a progress bar, are idempotent (importing the same file twice adds nothing) and end
with the same summary: stored, duplicates, rejected rows with line and reason, unattributed names, unpriced models,
total spend. Exit 1 when any row was rejected.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, emit, print_json, service_opener
from orgmap.cli.progress import ProgressBar

if TYPE_CHECKING:
    from orgmap.intake import ImportSummary

__all__ = ["register", "run_import", "run_ingest"]


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser(
        "ingest", help="ingest cost events (or --changes: change events) in orgmap's own schema",
        description="Ingest JSONL or CSV files of orgmap events (docs/events.md); `-` reads standard input. "
                    "JSONL of cost events takes the fast path; with --changes (and for CSV) rows with a `target` "
                    "and no `agent` are change events and the others cost events.")
    ingest.add_argument("files", nargs="+", metavar="FILE", help="JSONL or CSV files, or - for stdin")
    ingest.add_argument("--format", choices=("jsonl", "csv"), help="file format (default: detected)")
    ingest.add_argument("--changes", action="store_true",
                        help="the files hold change events (rows with `target`), alone or mixed with cost events")
    add_service_arguments(ingest)
    _add_json_argument(ingest)
    ingest.set_defaults(func=run_ingest)

    imp = subparsers.add_parser(
        "import", help="import usage data (OTel, LiteLLM, Langfuse, OpenAI, Anthropic, CSV) or git history",
        description="Import outside usage data; the format is detected when not given. `orgmap import git REPO` "
                    "turns commits and tags into change events on the nodes whose repo_paths they touch.")
    imp.add_argument("args", nargs="+", metavar="[FORMAT] FILE",
                     help="an optional format (otel, litellm, langfuse, openai-usage, openai-costs, "
                          "anthropic-usage, anthropic-cost, csv, jsonl, git) then files (or a repo for git)")
    imp.add_argument("--map", metavar="FIELD=COLUMN,...", help="column mapping for csv/jsonl files")
    imp.add_argument("--path-map", metavar="FILE", help="git: a YAML/JSON {glob: node} map added to repo_paths")
    imp.add_argument("--since", help="git: only commits since this date")
    add_service_arguments(imp)
    _add_json_argument(imp)
    imp.set_defaults(func=run_import)


def _add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print the summary as JSON: counts, rejected rows (file, line, field, message), "
                             "unattributed names, unpriced models, total")


def _stdin_copy(stack: ExitStack) -> Path:
    """Standard input streamed to a temporary file, so it reads like any other file (never held in memory)."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="orgmap-stdin-")))
    target = folder / "stdin.jsonl"
    with open(target, "wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    return target


def _finish(summary: ImportSummary, label: str, as_json: bool) -> int:
    if as_json:
        print_json(summary.as_json())
    else:
        emit(*summary.lines())
    print(f"orgmap: {label} done", file=sys.stderr)
    return 1 if summary.rejected() else 0


def _files(stack: ExitStack, names: list[str]) -> list[Path]:
    paths = [_stdin_copy(stack) if name == "-" else Path(name) for name in names]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"orgmap: no such file: {', '.join(missing)}")
    return paths


def run_ingest(args: argparse.Namespace) -> int:
    open_service = service_opener(args)  # the vault first: a wrong folder stops before stdin is read
    with ExitStack() as stack:
        paths = _files(stack, args.files)
        svc = stack.enter_context(open_service())
        fmt = args.format or ("csv" if all(p.suffix.lower() == ".csv" for p in paths) else "jsonl")
        if fmt == "jsonl" and not args.changes:
            bar = stack.enter_context(ProgressBar("ingesting", unit="ev"))
            summary = svc.ingest_jsonl(paths, on_progress=bar)
        else:
            bar = stack.enter_context(ProgressBar("ingesting", unit="B"))
            summary = svc.import_files(paths, format=fmt, on_progress=bar)
    return _finish(summary, "ingest", args.json)


def run_import(args: argparse.Namespace) -> int:
    from importers import FORMATS, load_path_map, parse_mapping

    words = list(args.args)
    fmt = words.pop(0) if words[0] in (*FORMATS, "git") and len(words) > 1 else None
    with ExitStack() as stack:
        if fmt == "git":
            try:
                path_map = load_path_map(Path(args.path_map)) if args.path_map else None
                svc = stack.enter_context(service_opener(args)())
                summary = svc.import_git(Path(words[0]), path_map=path_map, since=args.since)
            except (OSError, ValueError) as exc:
                print(f"orgmap: {exc}", file=sys.stderr)
                return 2
            return _finish(summary, "git import", args.json)
        try:
            mapping = parse_mapping(args.map) if args.map else None
        except ValueError as exc:
            print(f"orgmap: {exc}", file=sys.stderr)
            return 2
        open_service = service_opener(args)
        paths = _files(stack, words)
        svc = stack.enter_context(open_service())
        bar = stack.enter_context(ProgressBar("importing", unit="B"))
        try:
            summary = svc.import_files(paths, format=fmt, mapping=mapping, on_progress=bar)
        except ValueError as exc:
            print(f"orgmap: {exc}", file=sys.stderr)
            return 2
    return _finish(summary, "import", args.json)
