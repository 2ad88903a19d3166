"""The typed answers of the service: the HTTP API's response models and the MCP tools' structured output."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_serializer

from orgmap.rounding import cents, tidy, unit_usd

__all__ = [
    "BlastRadius",
    "Diagnostics",
    "NodeDetail",
    "NodePage",
    "NodeRef",
    "OwnerCandidate",
    "OwnerRef",
    "Owners",
    "Portfolio",
    "PortfolioItem",
    "ProblemOut",
    "Reached",
]


# -- money: rounded as an answer is built, the same for every door (orgmap.rounding) -----------------------------
Usd = Annotated[float, AfterValidator(cents)]
UnitUsd = Annotated[float, AfterValidator(unit_usd)]


class Answer(BaseModel):
    """The base of every answer: serialised with its floats `tidy` (the ledger's records inside included), the same
    for HTTP, MCP and the CLI's JSON."""

    # Each model's validator and serializer are built on its first use, not at import: a CLI command or an MCP
    # session pays only for the answers it gives (importing this module took 55 ms, now 35).
    model_config = ConfigDict(defer_build=True)
    # Unannotated on purpose: pydantic takes an annotated return type for the serialised schema, and the OpenAPI and
    # MCP output schemas must stay the fields' own.
    _tidy = model_serializer(mode="wrap")(lambda self, handler: tidy(handler(self)))


class NodeRef(Answer):
    """A node of the company graph: its id (vault path without .md), display name and kind."""

    id: str
    name: str
    kind: str


class OwnerRef(NodeRef):
    """An owner; `inherited_from` is the `part_of` ancestor the ownership came from (None: explicit)."""

    inherited_from: str | None = None
    teams: list[str] = Field(default_factory=list, description="a person owner's teams")
    lead: str | None = Field(default=None, description="a team owner's lead (its `lead` property)")
    members: list[str] = Field(default_factory=list, description="a team owner's members")


class OwnerCandidate(NodeRef):
    """A node a loose name (no node is called that) clearly means, with its owners."""

    owners: list[OwnerRef]


class Owners(Answer):
    """Who owns a node, explicitly or inherited through `part_of`. A name no node carries but a few nodes' names
    contain word for word answers with those `candidates` (each with its owners) and `node` None."""

    summary: str
    node: NodeRef | None
    owners: list[OwnerRef]
    candidates: list[OwnerCandidate] = Field(default_factory=list, description="the nodes a loose name means")


class Reached(NodeRef):
    """A node reached `depth` hops away over `relation`, from `via`; with its spend when it has any."""

    depth: int
    relation: str
    via: str
    cost_per_day: Usd | None = None
    owners: list[str] = Field(default_factory=list, description="the node's owners' ids")


class BlastRadius(Answer):
    """What a node depends on, or what depends on it (its blast radius), with the spend at stake."""

    summary: str
    node: NodeRef
    direction: str = Field(description="'dependencies' or 'dependents'")
    depth: int
    total: int
    cost_per_day_at_stake: Usd
    items: list[Reached]
    next_cursor: str | None = None


class PortfolioItem(NodeRef):
    """A node an owner owns; `inherited_from` / `via_team` say how when it is not direct."""

    inherited_from: str | None = None
    via_team: str | None = None
    cost_per_day: Usd = 0.0


class Portfolio(Answer):
    """Everything a person or team owns (directly, by inheritance, and through a person's teams), with spend."""

    summary: str
    owner: NodeRef
    window: str
    total: int
    cost_per_day: Usd
    items: list[PortfolioItem]
    next_cursor: str | None = None


class NodeDetail(Answer):
    """One node with its owners, dependencies, dependents, links and spend summary."""

    summary: str
    node: NodeRef
    path: str | None
    aliases: list[str]
    tags: list[str]
    properties: dict[str, Any]
    owners: list[OwnerRef]
    dependencies: list[Reached]
    dependents: list[Reached]
    links_out: list[NodeRef]
    links_in: list[NodeRef]
    spend: dict[str, Any] | None = Field(default=None, description="spend over the last 7 days (agents)")


class NodePage(Answer):
    """Nodes matching a search, best first."""

    summary: str
    total: int
    items: list[NodeRef]
    next_cursor: str | None = None


class ProblemOut(Answer):
    path: str
    line: int
    severity: str
    code: str
    message: str


class Diagnostics(Answer):
    """What is wrong in the vault: errors (bad YAML, unreadable files) and warnings (dangling links...)."""

    summary: str
    notes: int = Field(description="notes in the vault")
    errors: int
    warnings: int
    total: int
    items: list[ProblemOut]
    next_cursor: str | None = None



# -- spend, events, budgets, runs ----------------------------------------------------------------------------------
# Ledger records are frozen dataclasses; pydantic serialises them as they are.
from ledger import (  # noqa: E402
    Alert,
    BudgetStatus,
    ChangeRecord,
    Hold,
    ItemResult,
    Rejection,
    SpendPoint,
    UnattributedName,
    UnpricedModel,
)
from ledger.anomaly import Anomaly  # noqa: E402

__all__ += [
    "AlertsAnswer",
    "AllowanceAnswer",
    "AnomalyPointer",
    "BudgetsAnswer",
    "ChangesAnswer",
    "IngestAnswer",
    "OutcomeFigures",
    "PausedAgent",
    "PausesAnswer",
    "RunCosts",
    "RunItem",
    "RunRateAnswer",
    "RunRateItem",
    "RunsAnswer",
    "SpendGroup",
    "SpendOverTime",
    "SpendSeries",
    "UnattributedAnswer",
]


class AnomalyPointer(Answer):
    """A ranked agent's open anomaly in a line (`explain_cost_change` has it in full)."""

    id: str
    sentence: str
    cause: str | None = Field(description="the top candidate change's summary, None when orgmap abstains")
    cause_id: str | None = Field(description="that change's id")
    ongoing: bool = Field(description="still going (False: it ended within the window, its state still open)")


class OutcomeFigures(Answer):
    """An agent's outcomes (units of work delivered, `kind: outcome` events) over the window, beside its cost: the
    outcome named by its note (`outcome:`), else the one it reports most."""

    outcome: str
    outcomes: int
    outcomes_per_day: float
    cost_per_outcome: UnitUsd | None = Field(description="the window's cost over its outcomes; None without cost")
    value_usd: Usd | None = Field(default=None, description="the sum of the outcomes' value_usd, when they carry one")
    return_on_spend: float | None = Field(default=None, description="value_usd / cost over the window")
    other_outcomes: dict[str, int] = Field(default_factory=dict, description="other outcome names it reported")


class RunRateItem(Answer):
    """One ranked row: an agent (or owner, team, model, client, project...) and its rate over the window. Money is
    to the cent, and the rows' `cost_usd`, `cost_per_day` and `projected_month` add up to the answer's totals."""

    key: str = Field(description="node id, or the model/client/project name; '(unattributed)' for unknown agents")
    name: str
    kind: str | None = None
    attributed: bool
    cost_usd: Usd
    cost_per_day: Usd
    runs_per_day: float
    cost_per_1k_runs: UnitUsd | None
    tokens_per_run: float | None
    projected_month: Usd = Field(description="cost_per_day x the calendar days of the month the window ends in")
    baseline_cost_per_day: Usd
    change_pct: float | None = Field(description="against the baseline window (the answer's `baseline`); None "
                                                 "without baseline spend, or when the data covers it only in part")
    budget_used_pct: float | None = Field(default=None, description="month-to-date spend against a monthly budget")
    owner: str | None = None
    unpriced_events: int = 0
    anomaly: AnomalyPointer | None = Field(default=None, description="by agent: the agent's open anomaly, if any")
    outcomes: OutcomeFigures | None = Field(default=None, description="by agent: cost per outcome, when it reports "
                                                                      "outcomes")


class RunRateAnswer(Answer):
    """Ranked run-rate over a window, highest cost per day first. Spend of agent names no note carries is the
    '(unattributed)' row in every grouping."""

    summary: str
    window: str
    by: str
    since: datetime
    until: datetime
    total: int
    total_cost_usd: Usd
    total_cost_per_day: Usd
    projected_month: Usd = Field(description="total_cost_per_day x projected_month_days")
    projected_month_days: int = Field(description="calendar days of the month the window ends in")
    unattributed_cost_usd: Usd
    unattributed_cost_per_day: Usd
    shadowed_aggregate_cost_usd: Usd = Field(
        description="provider aggregates not counted: per-call events cover them")
    baseline: str = Field(description="what change_pct compares with: 'the same 24h a week earlier' for windows "
                                      "shorter than 7 days, else 'the preceding <window>'")
    baseline_since: datetime
    baseline_until: datetime
    data_since: datetime | None = Field(description="when the store's spend begins, if after `since` (None: the "
                                                    "data covers the window)")
    covered_days: float = Field(description="days of the window that have data")
    filters: dict[str, str] = Field(default_factory=dict, description="the slice the figures are of: its model, "
                                    "client and project when named (empty: all spend)")
    items: list[RunRateItem]
    next_cursor: str | None = None


class SpendSeries(Answer):
    """One agent's spend per hour or day."""

    summary: str
    agent: NodeRef
    window: str
    bucket: str
    total_cost_usd: Usd
    points: list[SpendPoint]
    outcomes: OutcomeFigures | None = Field(default=None, description="cost per outcome over the window, when the "
                                                                      "agent reports outcomes")


class SpendGroup(Answer):
    """One group's spend per bucket (cents, adding up to `cost_usd`, which is the group's run-rate `cost_usd` over
    the same span)."""

    key: str = Field(description="node id, or the model/client/project name; '(unattributed)' for unknown agents")
    name: str
    kind: str | None = None
    attributed: bool
    cost_usd: Usd
    values: list[float] = Field(description="cost per bucket, one per `starts` entry")


class SpendOverTime(Answer):
    """Spend per hour or day over a span, one series per group (agent, owner, team, model...), highest cost first;
    the numbers of the ranked run-rate over the same span. The groups add up to `total_cost_usd` to the cent."""

    summary: str
    window: str = Field(description="the span in hours or as asked (24h, 7d)")
    by: str
    bucket: str
    since: datetime
    until: datetime
    total_cost_usd: Usd
    starts: list[datetime] = Field(description="each bucket's start (UTC); edge days hold only the span's hours")
    filters: dict[str, str] = Field(default_factory=dict, description="the slice the figures are of: its model, "
                                    "client and project when named (empty: all spend)")
    groups: list[SpendGroup]


class IngestAnswer(Answer):
    """What an ingest did: per-item results in input order, and the totals."""

    summary: str
    accepted: int
    duplicates: int
    rejected: list[Rejection]
    warnings: list[Rejection]
    unattributed: list[str]
    unpriced: list[UnpricedModel]
    total_cost_usd: UnitUsd
    items: list[ItemResult]
    outcomes: int = Field(default=0, description="of accepted, the outcome events (kind: outcome)")


class ChangesAnswer(Answer):
    """Change events, newest first."""

    summary: str
    items: list[ChangeRecord]
    next_cursor: str | None = None


class UnattributedAnswer(Answer):
    """Spend under agent names no note carries (add them as `aliases` or `cost_keys`), and unpriced models."""

    summary: str
    window: str
    total_cost_usd: Usd
    items: list[UnattributedName]
    unpriced: list[UnpricedModel]
    next_cursor: str | None = None


class BudgetsAnswer(Answer):
    """Every budget's spend against its limits, most urgent first (soonest `runs_out_at` of its periods, then most
    used), and the latest budget alerts. Day and month periods carry the burn rate over `burn_window`, the spend
    projected to the period's `end`, and `runs_out_at` (null: it lasts the period)."""

    summary: str
    total: int
    items: list[BudgetStatus]
    alerts: list[Alert] = Field(description="the 5 latest budget alerts that happened in the last 7 days, newest "
                                            "first (`ts`: when, `recorded_at`: when orgmap fired it)")
    next_cursor: str | None = None


class AlertsAnswer(Answer):
    """Alerts that happened over the window, newest first: each alert's `ts` is when it happened (the event that
    crossed a budget threshold, a flagged run's last event, an anomaly's onset), `recorded_at` when orgmap fired it
    and `delivered_at` when a webhook took it."""

    summary: str
    total: int
    items: list[Alert]
    next_cursor: str | None = None


class RunItem(Answer):
    """One run, named by the node its agent resolves to; `agent_key` is the name or key telemetry reported (an
    alias, a provider's API key id), so one agent reported three ways reads as one agent."""

    agent: str = Field(description="the node's display name; the reported name when no note carries it")
    node_id: str | None
    agent_key: str
    run_id: str
    start: datetime
    last_event: datetime
    calls: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    cost_usd: UnitUsd
    unpriced_events: int
    tool_cost_usd: UnitUsd
    retrieval_cost_usd: UnitUsd
    retries: int
    errors: int
    models: list[str]
    client: str | None
    project: str | None
    task: str | None
    flags: list[str]
    aggregate_only: bool
    note: str | None = None


class RunCosts(Answer):
    """The run-cost distribution of an agent's runs over the window (runs made only of aggregates left out)."""

    node_id: str
    runs: int
    median: UnitUsd
    p90: UnitUsd
    p99: UnitUsd
    mean: UnitUsd
    max: UnitUsd


class RunsAnswer(Answer):
    """Runs (calls sharing a run_id), most expensive first, with the agent's run-cost distribution."""

    summary: str
    total: int
    items: list[RunItem]
    distribution: RunCosts | None = None
    next_cursor: str | None = None


class AllowanceAnswer(Answer):
    """May the agent spend now? `allowed` false means pause; `checks` lists every budget consulted with what remains
    (per run, hourly rate, daily, monthly, the owner's and the project's)."""

    summary: str
    allowed: bool
    agent: str
    run_id: str | None = None
    reason: str
    remaining: UnitUsd | None = Field(description="the smallest headroom in USD across the budgets that apply")
    checks: list[BudgetStatus]
    criticality: str = Field(default="normal", description="the agent's: critical, normal or low")
    held_by: list[Hold] = Field(default_factory=list, description="the pause stages that deny it, most severe first")


class PausedAgent(Answer):
    """An agent a budget's pause stage holds: each stage with its budget, the share it starts at, what it pauses
    (`level`: low, normal or all) and when it lifts (`lifts_at`, the period's end; null for the rolling hour)."""

    agent: str = Field(description="node id")
    name: str
    criticality: str
    held_by: list[Hold]
    lifts_at: datetime | None = Field(description="when every stage holding it has lifted (null: not known)")


class PausesAnswer(Answer):
    """The agents paused now by a budget's stages, soonest to lift first. A project's or client's stage holds the
    agents that spent on it this period, when their allowance check names it."""

    summary: str
    total: int
    items: list[PausedAgent]
    next_cursor: str | None = None


class AnomalyBrief(Answer):
    """One anomaly in a line: what broke, how much, what moved, and the most likely cause."""

    id: str
    agent: str
    name: str
    kind: str = Field(description="spike (a burst) or shift (a sustained level change)")
    onset: datetime
    end: datetime | None = Field(description="the first hour its cost was back within its baseline for a day; "
                                             "None while it lasts (the state stays the user's to set)")
    ratio: float = Field(description="observed cost per hour / baseline cost per hour")
    excess_usd: float
    factor: str = Field(description="what moved: volume, retries, tokens (per run) or price (per token)")
    sentence: str
    cause: str | None = Field(description="the top candidate change's summary, None when orgmap abstains")
    cause_id: str | None = Field(description="that change's id (as `orgmap changes` lists it)")
    cause_ref: str | None = Field(description="that change's ref: the commit, the deploy id")
    fix: str | None = Field(description="for one that ended: the change between its onset and its end that likely "
                                        "fixed it (summary), None when none was recorded")
    fix_id: str | None = Field(description="that change's id")
    fix_ref: str | None = Field(description="that change's ref: the commit, the deploy id")
    abstained: bool
    suppressed: bool = Field(description="explained by a planned change: recorded, not alerted")
    state: str


class AnomaliesAnswer(Answer):
    """Anomalies in agents' run-rate, newest onset first, each explained in one sentence: every one still going
    (whatever its onset, up to the 90 days scanned) and those that ended with onset within the window."""

    summary: str
    window: str
    total: int
    items: list[AnomalyBrief]
    next_cursor: str | None = None


class AnomalyExplanation(Answer):
    """One agent's anomalies in full: baseline vs observed figures, factor shares, and ranked candidate causes with
    their evidence."""

    summary: str
    agent: NodeRef
    window: str
    anomalies: list[Anomaly]


__all__ += ["AnomaliesAnswer", "AnomalyBrief", "AnomalyExplanation"]


# -- money out: cost reports, shared costs, reconciliation (orgmap.cost_answers) ---------------------------------
class CostRow(Answer):
    """One group's cost over the period: its own (`direct_cost_usd`), what shared nodes passed to it or it passed on
    (`allocated_cost_usd`, negative for a shared node), and the sum (`cost_usd`, fully loaded)."""

    key: str
    name: str
    kind: str | None = None
    attributed: bool = True
    direct_cost_usd: Usd
    allocated_cost_usd: Usd
    cost_usd: Usd
    calls: int
    tokens: int
    unpriced_events: int = Field(description="its events with no price: counted in calls and tokens, not in cost")


class ShareOut(NodeRef):
    """A node that finally carries part of a shared node's cost."""

    fraction: float
    amount_usd: Usd


class SplitOut(Answer):
    """How one shared node's cost was split: the rule (`use`: dependents' calls through it; `spend`: their own spend;
    `equal`: neither was recorded), its direct dependents, and the nodes that finally carry it."""

    source: NodeRef
    method: str
    amount_usd: Usd
    dependents: list[str]
    receivers: list[ShareOut]


class CostsAnswer(Answer):
    """Cost over a period grouped for chargeback; the rows add up to the total to the cent, direct and allocated
    columns alike. Spend no note carries is the '(unattributed)' row; shared nodes' cost reaches their dependents."""

    summary: str
    since: datetime
    until: datetime
    by: str
    allocated: bool = Field(description="whether shared costs were split through the dependency graph")
    total_cost_usd: Usd
    tracked_cost_usd: Usd = Field(description="spend of cost events (per-call, and usage reports not shadowed)")
    fixed_cost_usd: Usd = Field(description="fixed costs of notes (`cost: {monthly_usd}`), prorated by day")
    unattributed_cost_usd: Usd
    unpriced_events: int
    total: int
    items: list[CostRow]
    splits: list[SplitOut]
    warnings: list[str]
    next_cursor: str | None = None


__all__ += ["CostRow", "CostsAnswer", "ShareOut", "SplitOut"]


class GapOut(Answer):
    """Billed against tracked for one spender or day: `gap_usd` is billed minus tracked; a spender's `ids` are the
    API keys, workspaces or projects its bill rows named."""

    key: str
    name: str
    billed_usd: Usd
    tracked_usd: Usd
    gap_usd: Usd
    ids: list[str] = Field(default_factory=list)


class GapCause(Answer):
    """One cause of a gap with its dollars (negative: tracked more than billed) and what it concerns."""

    cause: str
    amount_usd: Usd
    detail: str


class ProviderReconciliation(Answer):
    """One provider: the bill against per-call telemetry, the gap in dollars and percent of the bill, the causes
    and the unexplained rest (they add up to the gap), per spender (largest gap first) and per day."""

    provider: str
    billed_usd: Usd
    tracked_usd: Usd
    gap_usd: Usd
    gap_pct: float | None
    explained_usd: Usd
    unexplained_usd: Usd
    causes: list[GapCause]
    spenders: list[GapOut]
    days: list[GapOut]


class ReconcileAnswer(Answer):
    """Tracked per-call spend reconciled with providers' imported bills (OpenAI costs, Anthropic cost reports)."""

    summary: str
    since: datetime
    until: datetime
    providers: list[ProviderReconciliation]
    unbilled: list[GapOut] = Field(description="providers with tracked spend and no imported bill")
    warnings: list[str]


__all__ += ["GapCause", "GapOut", "ProviderReconciliation", "ReconcileAnswer"]
