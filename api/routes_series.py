"""The /v1 routes behind the dashboard's chart and downloads: spend over time (grouped, with a bucket size, answered
with an ETag so a page polling it gets a bodiless 304 while nothing changed), and CSV exports of the tables."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.answers import AnswerRoute, Svc
from api.csv_export import CSV_TABLES, CsvTable, csv_response
from api.openapi import ERRORS, Bucket, By, OfClient, OfModel, OfProject, Since, Until, Window
from orgmap.answer_types import SpendOverTime
from orgmap.arguments import BUCKETS, BY
from orgmap.errors import InvalidArgument

__all__ = ["router"]

router = APIRouter(prefix="/v1", route_class=AnswerRoute, responses=ERRORS)


def etagged(request: Request, body: str, media_type: str) -> Response:
    """`body` with a strong ETag of its bytes, or 304 with no body when the request's If-None-Match names it."""
    data = body.encode()
    tag = f'"{hashlib.blake2b(data, digest_size=12).hexdigest()}"'
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    wanted = request.headers.get("if-none-match", "")
    if tag in (t.strip().removeprefix("W/") for t in wanted.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


@router.get("/spend/series", summary="Spend over time, per group", tags=["spend"], response_model=SpendOverTime,
            responses={304: {"description": "unchanged since the ETag sent in If-None-Match"}})
def spend_series(svc: Svc, request: Request, window: Window = "7d", by: By = "agent", bucket: Bucket = "day",
                 since: Since = None, until: Until = None, project: OfProject = None, client: OfClient = None,
                 model: OfModel = None) -> Response:
    """Cost per hour or day over `window` (or from `since` to `until`), one series per group (agent, owner, team,
    model...), highest cost first: the ranked run-rate's numbers over the same span (each group's `cost_usd` is its
    row's `cost_usd`; its buckets add up to it). Sent with an ETag: a poller sends it back in If-None-Match and gets
    304 while nothing changed. With `project`, `client` or `model`, only that slice of the spend (a project's page:
    by agent; the overview narrowed as its ranked table is)."""
    answer = svc.spend_over_time(window, by, bucket, since, until, project=project, client=client, model=model)
    return etagged(request, answer.model_dump_json(), "application/json")


@router.get("/export/{table}.csv", summary="A dashboard table as CSV", tags=["spend"],
            responses={200: {"content": {"text/csv": {}}, "description": "the table, one header row"}})
def export_csv(svc: Svc, table: CsvTable, window: Window = "7d", by: By = "agent", bucket: Bucket = "day",
               since: Since = None, until: Until = None, model: OfModel = None, client: OfClient = None,
               project: OfProject = None) -> Response:
    """The dashboard's tables as CSV (what its download buttons fetch), every row, with the span and the grouping
    in the file name: `run-rate` (the ranked rows), `spend-series` (one column per group, one row per bucket), both
    narrowed by `model`, `client` and `project` as their routes are (the filters in the file name too),
    `alerts`, `changes`, `unattributed`, `runs`, `budgets` (one row per limit, as they stand now), `problems` (the
    vault's). Text that a spreadsheet would run as a formula is quoted with '."""
    if by not in BY:  # checked for every table, also those that ignore it, so a bad link fails the same way
        raise InvalidArgument(f"by must be one of {', '.join(BY)}; got {by!r}", field="by")
    if bucket not in BUCKETS:
        raise InvalidArgument("bucket must be 'hour' or 'day'", field="bucket")
    return csv_response(CSV_TABLES[table](svc, window, by, bucket, since, until,
                                          {"model": model, "client": client, "project": project}))
