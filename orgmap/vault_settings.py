"""The settings people write in notes, as the ledger takes them, read in one pass of the graph (`read_settings`):

- budgets: `budget:` on agents and owners (covering every agent they own), the `projects:` and `clients:` maps of a
  `type: budgets` note; each with its limits, `thresholds`, `pause` (stages by criticality, or `never`) and `notify`
  (who hears each threshold: `owner`, or links to people and teams);
- each agent's `criticality:` (`critical`, `normal`, `low`);
- where people and teams hear alerts: `email:`, `webhook:`, `slack_webhook:` on their notes;
- run outlier rules (`runs:`), and `anomaly:` (checked here, applied per scan).

What orgmap cannot use becomes an issue `orgmap check` reports with the note's path and the line of the setting
(`locate`); the rest of the setting still applies. Everything but `locate` is a pure function of the graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from graph.queries import owners
from ledger import BudgetSpec, RunSettings
from ledger.anomaly import AnomalyConfig, ConfigError, with_numbers
from ledger.budgets import CRITICALITIES, DEFAULT_PAUSE, PAUSE_LEVELS
from ledger.destinations import check_email, check_webhook_url
from vault.frontmatter import split_frontmatter
from vault.links import text_links
from vault.problems import Problem, Severity

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["CONTACT_KEYS", "SettingIssue", "VaultSettings", "key_line", "locate", "read_settings"]

S = TypeVar("S", RunSettings, AnomalyConfig)
Lookup = Callable[[str], "str | None"]

_LIMITS = ("daily_usd", "monthly_usd", "hourly_usd", "per_run_usd")
_BUDGET_KEYS = (*_LIMITS, "thresholds", "pause", "notify", "owner")
CONTACT_KEYS = {"email": "email", "webhook": "webhook", "slack_webhook": "webhook"}  # note key -> destination kind
_DEFAULT_THRESHOLDS = (0.5, 0.75, 0.9, 1.0)
OWNER = "owner"  # the `notify` recipient meaning the owners of the budget's subject


@dataclass(frozen=True, slots=True)
class SettingIssue:
    """A setting orgmap cannot use: the note, the keys leading to it (`budget`, `pause`), what is wrong."""

    path: str
    keys: tuple[str, ...]
    message: str
    severity: Severity = "error"


@dataclass
class VaultSettings:
    """What the ledger takes from the vault, and what it could not take."""

    budgets: list[BudgetSpec] = field(default_factory=list)
    criticality: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    run_rules: dict[str, RunSettings] = field(default_factory=dict)
    issues: list[SettingIssue] = field(default_factory=list)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 <= number < math.inf else None


def _share(value: object) -> float | None:
    """A threshold or stage as a share of the limit: 90 and 0.9 both mean 90% (above 1.5 is read as a percent)."""
    number = _number(value)
    if number is None or number == 0:
        return None
    return round(number / 100 if number > 1.5 else number, 6)


def _checked(base: S, value: object, key: str, complaints: list[str]) -> S | None:
    """`base` with the numbers of a note's `key:` mapping, or None with the complaint added."""
    try:
        return with_numbers(base, value, key)
    except ConfigError as exc:
        complaints.append(str(exc))
        return None


class _Reader:
    """One pass over the graph: it collects the settings and the issues, note by note."""

    def __init__(self, g: nx.MultiDiGraph, lookup: Lookup | None) -> None:
        self.g = g
        self.lookup = lookup or (lambda name: name if name in g else None)
        self.out = VaultSettings()
        self._heard: dict[str, list[tuple[str, str]]] = {}

    def issue(self, node: str, keys: tuple[str, ...], message: str, severity: Severity = "error") -> None:
        self.out.issues.append(SettingIssue(self.g.nodes[node].get("path") or node, keys, message, severity))

    def label(self, node: str) -> str:
        return str(self.g.nodes[node].get("name", node)) if node in self.g else node

    def destinations(self, node: str) -> list[tuple[str, str]]:
        """Where a person or team hears alerts ((node, "email:..." / "webhook:...")), the addresses that check; read
        once per node, so a bad address is one issue however many budgets route to it."""
        if node in self._heard:
            return self._heard[node]
        data = self.g.nodes[node] if node in self.g else {}
        found = []
        for key, kind in CONTACT_KEYS.items():
            raw = data.get(key)
            for address in raw if isinstance(raw, list) else [] if raw is None else [raw]:
                try:
                    if not isinstance(address, str):
                        raise ValueError(f"{address!r} is not text")
                    checked = check_email(address) if kind == "email" else check_webhook_url(address)
                    found.append((node, f"{kind}:{checked}"))
                except ValueError as exc:
                    self.issue(node, (key,), f"{key}: {exc}; alerts do not go there")
        self._heard[node] = found
        return found

    def owners_of(self, node: str | None) -> list[str]:
        """Who owns a budget's subject: a person or team itself, else the node's owners (inherited included)."""
        if node is None or node == OWNER or node not in self.g:
            return []
        if self.g.nodes[node].get("kind") in ("person", "team"):
            return [node]
        return [o.node for o in owners(self.g, node)]

    def recipient(self, value: object, node: str, keys: tuple[str, ...]) -> str | None:
        """`owner`, or the node a `[[link]]` (or a plain name) means; None, with an issue, when it means none."""
        if value == OWNER:
            return OWNER
        if not isinstance(value, str) or not value.strip():
            self.issue(node, keys, f"{keys[-1]}: {value!r} is neither `owner` nor a link to a person or team")
            return None
        links = text_links(value, 0)
        name = links[0].target if links else value.strip()
        found = self.lookup(name)
        if found is None or self.g.nodes[found].get("kind") == "missing":
            self.issue(node, keys, f"{keys[-1]}: [[{name}]] is not a note in the vault; nobody hears through it")
            return None
        return found

    def pause(self, raw: object, node: str, keys: tuple[str, ...]) -> tuple[tuple[float, str], ...]:
        """`never`, or {share: low | normal | all}; what cannot be read keeps the default's stage for that share."""
        if raw is None:
            return DEFAULT_PAUSE
        if raw == "never" or raw is False:
            return ()
        if not isinstance(raw, dict):
            self.issue(node, keys, f"pause: needs `never` or a mapping such as {{90: normal, 100: all}}, got {raw!r}; "
                                   "the default applies (from 90% all but critical agents, from 100% all)")
            return DEFAULT_PAUSE
        stages = []
        for share, level in raw.items():
            found = _share(share)
            if found is None or level not in PAUSE_LEVELS:
                self.issue(node, keys, f"pause: stage {share!r}: {level!r} needs a share (90 or 0.9) and one of "
                                       f"{', '.join(PAUSE_LEVELS)}; that stage is not applied")
                continue
            stages.append((found, str(level)))
        return tuple(sorted(stages))

    def notify(self, raw: object, node: str, keys: tuple[str, ...]) -> dict[float, list[str]]:
        """{share: recipient or [recipients]}; entries that cannot be read are left out, with an issue each."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.issue(node, keys, f"notify: needs a mapping such as {{50: owner, 75: \"[[Rachel Adams]]\"}}, got "
                                   f"{raw!r}; every threshold goes to the owners")
            return {}
        found: dict[float, list[str]] = {}
        for share, who in raw.items():
            at = _share(share)
            if at is None:
                self.issue(node, keys, f"notify: {share!r} is not a threshold (50 or 0.5); that entry is not applied")
                continue
            named = [r for item in (who if isinstance(who, list) else [who])
                     if (r := self.recipient(item, node, keys)) is not None]
            found[at] = named
        return found

    def spec(self, scope: str, key: str, budget: object, node: str, keys: tuple[str, ...], *,
             agents: tuple[str, ...] = (), subject_owners: Sequence[str] = ()) -> None:
        """Read one budget (`node` is the note it is written in) into a spec, with its issues."""
        if not isinstance(budget, dict):
            self.issue(node, keys, f"{keys[-1]}: needs a mapping such as {{monthly_usd: 500}}, got {budget!r}; "
                                   "not applied")
            return
        for name in _LIMITS:
            if budget.get(name) is not None and _number(budget[name]) is None:
                self.issue(node, keys, f"{keys[0]}: {name} needs a finite number >= 0, got {budget[name]!r}; "
                                       "not applied")
        for extra in budget:
            if extra not in _BUDGET_KEYS or (extra == "owner" and scope in ("agent", "owner")):
                self.issue(node, keys, f"{keys[0]}: unknown field {extra!r} (known: {', '.join(_BUDGET_KEYS)}); "
                                       "not applied")
        daily, monthly, hourly, per_run = (_number(budget.get(name)) for name in _LIMITS)
        if hourly is not None and scope == "client":
            self.issue(node, keys, f"{keys[0]}: hourly_usd is not kept per client (only daily and monthly); "
                                   "not applied")
            hourly = None
        if daily is None and monthly is None and hourly is None and per_run is None:
            return
        if budget.get("owner") is not None:
            subject_owners = self.owners_of(self.recipient(budget["owner"], node, (*keys, "owner")))
        elif scope in ("project", "client"):
            subject_owners = self.owners_of(self.lookup(key))  # a note named like the project (or client)
        raw = budget.get("thresholds")
        thresholds = tuple(t for t in (_share(x) for x in raw) if t) if isinstance(raw, list) else ()
        notify = self.notify(budget.get("notify"), node, (*keys, "notify"))
        levels = tuple(sorted(set(thresholds or _DEFAULT_THRESHOLDS) | set(notify)))
        owner_routes = [route for o in subject_owners for route in self.destinations(o)]
        routes = []
        for t in levels:
            heard = [who for at, who in notify.items() if at <= t]
            chosen = notify[max(at for at in notify if at <= t)] if heard else [OWNER]
            found_routes = [route for who in chosen
                            for route in (owner_routes if who == OWNER else self.destinations(who))]
            routes.append((t, tuple(dict.fromkeys(found_routes))))
        self.out.budgets.append(BudgetSpec(
            scope, key, daily_usd=daily, monthly_usd=monthly, hourly_usd=hourly, per_run_usd=per_run,
            thresholds=levels, agents=agents, pause=self.pause(budget.get("pause"), node, (*keys, "pause")),
            routes=tuple(routes), label=self.label(key) if scope in ("agent", "owner") else key,
            owners=tuple(self.label(o) for o in subject_owners)))

    def agent(self, node: str, data: dict) -> None:
        raw = data.get("criticality")
        if raw is not None:
            if raw in CRITICALITIES:
                self.out.criticality[node] = str(raw)
            else:
                self.issue(node, ("criticality",), f"criticality: needs one of {', '.join(CRITICALITIES)}, got "
                                                   f"{raw!r}; read as normal")
        complaints: list[str] = []
        run_rules = _checked(RunSettings(), data.get("runs"), "runs", complaints)
        if run_rules is not None and data.get("runs"):
            self.out.run_rules[node] = run_rules
        _checked(AnomalyConfig(), data.get("anomaly"), "anomaly", complaints)  # applied per scan, checked here
        unit = data.get("outcome")
        if unit is not None and not (isinstance(unit, str) and unit.strip()):
            complaints.append(f"outcome: its unit of work is one outcome name, got {unit!r}")
        for message in complaints:
            self.issue(node, (message.split(":", 1)[0],), f"{message}; not applied")


def read_settings(g: nx.MultiDiGraph, lookup: Lookup | None = None) -> VaultSettings:
    """Every setting of the vault the ledger takes, and the issues; `lookup(name) -> node id` resolves `notify` and
    `owner` links (the graph's name lookup; without it, only node ids resolve)."""
    reader = _Reader(g, lookup)
    agents = [n for n, kind in g.nodes(data="kind") if kind == "agent"]
    owned: dict[str, list[str]] = {}
    for agent in agents:
        for owner in owners(g, agent):
            owned.setdefault(owner.node, []).append(agent)
            for team in owner.teams:
                owned.setdefault(team, []).append(agent)
    for node, data in g.nodes(data=True):
        kind = data.get("kind")
        if kind == "agent":
            reader.out.names[node] = str(data.get("name", node))
            reader.agent(node, data)
        if kind == "budgets":
            for scope, entries in (("project", data.get("projects")), ("client", data.get("clients"))):
                for name, budget in (entries or {}).items() if isinstance(entries, dict) else ():
                    reader.spec(scope, str(name), budget, node, (f"{scope}s", str(name)))
            continue
        budget = data.get("budget")
        if budget is None:
            continue
        if kind == "agent":
            reader.spec("agent", node, budget, node, ("budget",), agents=(node,),
                        subject_owners=[o.node for o in owners(g, node)])
        else:
            reader.spec("owner", node, budget, node, ("budget",), agents=tuple(sorted(set(owned.get(node, ())))),
                        subject_owners=[node])
    return reader.out


def key_line(text: str, keys: Sequence[str]) -> int:
    """The file line of a frontmatter key, nested keys followed by indentation (`budget` then `pause`); the deepest
    one found when the rest is written inline (`budget: {pause: never}`); 0 when the note has no such key.

    >>> key_line("---\\ntype: agent\\nbudget:\\n  monthly_usd: 5\\n  pause: never\\n---\\n", ("budget", "pause"))
    5
    """
    split = split_frontmatter(text)
    if split.yaml_text is None or not keys:
        return 0
    found, indent_of_found, depth = 0, -1, 0
    for offset, line in enumerate(split.yaml_text.split("\n")):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if depth and indent <= indent_of_found:
            break  # left the block of the key found last
        name = stripped.split(":", 1)[0].strip().strip("'\"")
        if ":" in stripped and indent > indent_of_found and name == str(keys[depth]):
            found, indent_of_found, depth = 2 + offset, indent, depth + 1
            if depth == len(keys):
                break
    return found


def locate(issues: Sequence[SettingIssue], root: Path) -> list[Problem]:
    """The issues as vault problems, each at the line of its setting (read from the note; 0 when unreadable)."""
    texts: dict[str, str] = {}
    problems = []
    for issue in issues:
        if issue.path not in texts:
            try:
                texts[issue.path] = (root / issue.path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                texts[issue.path] = ""
        problems.append(Problem(issue.path, key_line(texts[issue.path], issue.keys), issue.severity, "bad_setting",
                                issue.message))
    return problems
