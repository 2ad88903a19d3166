"""Importer throughput and memory: rows/s per format on a generated file, against a naive parse of the same file.

    .venv/bin/python bench/import_bench.py --rows 1000000 [--small 100000] [--formats otel,litellm]

For each format it writes a file of --rows rows (and of --small rows) under bench/.data/, then, in
a fresh process per run, streams it through `importers.read` and, separately, through the naive
baseline (json.loads per line, or csv.DictReader alone), printing rows/s, the ratio, and the peak
resident memory of each process: flat memory between the small and the large file shows streaming.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
PER_PAGE = 100  # results per report page


def _otel(i: int) -> str:
    span = {
        "traceId": f"{i:032x}",
        "spanId": f"{i + 1:016x}",
        "name": "chat gpt-4o",
        "startTimeUnixNano": str(1730419200_000_000_000 + i * 1_000_000),
        "endTimeUnixNano": str(1730419201_000_000_000 + i * 1_000_000),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.agent.name", "value": {"stringValue": f"agent-{i % 50}"}},
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
            {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(1000 + i % 500)}},
            {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "200"}},
        ],
    }
    resource_ = {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]}
    return json.dumps({"resourceSpans": [{"resource": resource_, "scopeSpans": [{"spans": [span]}]}]})


def _langfuse(i: int) -> str:
    return json.dumps(
        {
            "id": f"obs-{i}",
            "trace_id": f"tr-{i // 4}",
            "type": "GENERATION",
            "name": "answer",
            "trace_name": f"agent-{i % 50}",
            "start_time": "2024-05-29 13:46:19.963000",
            "end_time": "2024-05-29 13:46:21.000000",
            "provided_model_name": "gpt-4o",
            "usage_details": {"input": 300, "input_cached_tokens": 700, "output": 120},
            "cost_details": {"total": 0.0042},
            "total_cost": 0.0042,
            "environment": "production",
        }
    )


def _page(i: int, anthropic: bool) -> str:
    if anthropic:
        results = [
            {
                "uncached_input_tokens": 1000,
                "cache_read_input_tokens": 500,
                "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 0},
                "output_tokens": 300,
                "api_key_id": f"apikey_{j}",
                "workspace_id": "wrkspc_1",
                "model": "claude-sonnet-4-5",
            }
            for j in range(PER_PAGE)
        ]
        bucket = {
            "starting_at": f"2025-01-01T{i % 24:02d}:00:00Z",
            "ending_at": f"2025-01-01T{i % 24:02d}:59:59Z",
            "results": results,
        }
        return json.dumps({"data": [bucket], "has_more": True, "next_page": f"p{i}"})
    results = [
        {
            "object": "organization.usage.completions.result",
            "input_tokens": 1000,
            "input_cached_tokens": 400,
            "output_tokens": 200,
            "num_model_requests": 7,
            "project_id": "proj_1",
            "api_key_id": f"key_{j}",
            "model": "gpt-4o",
            "user_id": None,
            "batch": False,
        }
        for j in range(PER_PAGE)
    ]
    bucket = {
        "object": "bucket",
        "start_time": 1730419200 + i * 3600,
        "end_time": 1730422800 + i * 3600,
        "results": results,
    }
    return json.dumps({"object": "page", "data": [bucket], "has_more": True, "next_page": f"p{i}"})


LITELLM_COLUMNS = [
    "request_id",
    "call_type",
    "api_key",
    "spend",
    "prompt_tokens",
    "completion_tokens",
    "startTime",
    "endTime",
    "model",
    "custom_llm_provider",
    "metadata",
    "request_tags",
    "team_id",
    "end_user",
    "session_id",
    "status",
    "agent_id",
]
GENERIC_COLUMNS = ["timestamp", "service", "llm", "tokens_in", "tokens_out", "usd", "region"]
GENERIC_MAP = {
    "ts": "timestamp",
    "agent": "service",
    "model": "llm",
    "input_tokens": "tokens_in",
    "output_tokens": "tokens_out",
    "cost_usd": "usd",
}


def _litellm(i: int) -> list[str]:
    meta = json.dumps({"user_api_key_alias": "k", "usage_object": {"prompt_tokens_details": {"cached_tokens": 512}}})
    return [
        f"req-{i}",
        "acompletion",
        "hash",
        "0.0021",
        "1500",
        "200",
        "2024-11-01 09:00:00.250",
        "2024-11-01 09:00:02.250",
        "gpt-4o",
        "openai",
        meta,
        '["prod"]',
        "team-1",
        "",
        f"s-{i // 5}",
        "success",
        f"agent-{i % 50}",
    ]


def _generic(i: int) -> list[str]:
    return [str(1730419200 + i), f"agent-{i % 50}", "gpt-4o", "1200", "300", "0.006", "eu-west-1"]


# format -> (file suffix, rows per written line, writer of one line / CSV row, CSV header or None)
FORMATS: dict[str, tuple[str, int, Callable[[int], object], list[str] | None]] = {
    "otel": ("jsonl", 1, _otel, None),
    "litellm": ("csv", 1, _litellm, LITELLM_COLUMNS),
    "langfuse": ("jsonl", 1, _langfuse, None),
    "openai-usage": ("jsonl", PER_PAGE, lambda i: _page(i, False), None),
    "anthropic-usage": ("jsonl", PER_PAGE, lambda i: _page(i, True), None),
    "csv": ("csv", 1, _generic, GENERIC_COLUMNS),
}


def generate(name: str, rows: int) -> Path:
    suffix, per_line, make, header = FORMATS[name]
    path = DATA / f"{name}-{rows}.{suffix}"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="") as f:
        if header:
            writer = csv.writer(f)
            writer.writerow(header)
            for i in range(rows):
                writer.writerow(make(i))  # type: ignore[arg-type]
        else:
            for i in range(rows // per_line):
                f.write(make(i) + "\n")  # type: ignore[operator]
    tmp.rename(path)
    return path


def _baseline(path: Path) -> Iterator[object]:
    with open(path, newline="") as f:
        if path.suffix == ".csv":
            yield from csv.DictReader(f)
        else:
            for line in f:
                yield json.loads(line)


def child(name: str, path: Path, mode: str) -> None:
    """Run one measurement in this process and print it as JSON."""
    start = time.perf_counter()
    if mode == "baseline":
        count = sum(1 for _ in _baseline(path))
        errors = 0
    else:
        sys.path.insert(0, str(ROOT))
        import importers

        count = errors = 0
        for item in importers.read(
            path, None if name == "csv" else name, mapping=GENERIC_MAP if name == "csv" else None
        ):
            if isinstance(item, dict):
                count += 1
            else:
                errors += 1
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"count": count, "errors": errors, "seconds": seconds, "peak_mb": peak_mb}))


def _run(name: str, path: Path, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, str(path), mode], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the large file (default 1,000,000)")
    parser.add_argument("--small", type=int, default=100_000, help="rows in the small file, to compare memory")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated subset of " + ",".join(FORMATS))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.child[2])
        return
    print(
        f"{'format':16} {'rows':>9} {'importer rows/s':>16} {'baseline rows/s':>16} {'ratio':>6} "
        f"{'peak MB (small)':>16} {'peak MB (large)':>16}"
    )
    for name in args.formats.split(","):
        small, large = generate(name, args.small), generate(name, args.rows)
        ours, base = _run(name, large, "importer"), _run(name, large, "baseline")
        ours_small = _run(name, small, "importer")
        if ours["errors"] or ours["count"] != args.rows:
            raise SystemExit(f"{name}: {ours['count']} events and {ours['errors']} errors from {args.rows} rows")
        rate, base_rate = ours["count"] / ours["seconds"], base["count"] * FORMATS[name][1] / base["seconds"]
        print(
            f"{name:16} {args.rows:>9,} {rate:>16,.0f} {base_rate:>16,.0f} {base_rate / rate:>5.1f}x "
            f"{ours_small['peak_mb']:>16.1f} {ours['peak_mb']:>16.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
