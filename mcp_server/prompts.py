"""MCP prompts: the manager's recurring questions as commands a client shows (a slash command in Claude Desktop or
Cursor). Each renders one user message that says which of orgmap's tools to call, in what order, and what to report,
so the model answers with a few calls instead of guessing. Prompts are listed by `prompts/list`, apart from the tool
list, so they cost a conversation nothing until one is chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts import Prompt
from pydantic import Field

__all__ = ["PROMPTS", "register"]

Agent = Annotated[str, Field(description="the agent: its name, alias, vault path or cost key, any case")]
Node = Annotated[str, Field(description="the node that goes down: a tool, integration, system, model or agent, "
                                        "by name, alias or vault path, any case")]


def weekly_cost_review() -> str:
    """A weekly cost review: the top spenders over 7 days with their anomalies, budgets near their limits and
    unattributed spend."""
    return (
        "Give me a weekly cost review of our AI agents from orgmap. Call these tools:\n"
        "1. `top_spenders` with window=7d: the agents ranked by spend per day. For each of the top five, note its "
        "owner and whether the row points at an open anomaly.\n"
        "2. `explain_cost_change` with window=7d for each top-five agent that has an open anomaly (or `anomalies` "
        "with window=7d and state=open to find them): the anomaly's sentence and its ranked causes.\n"
        "3. `budget_status`: every budget at or over 80% of a limit, and the latest budget alerts.\n"
        "4. `unattributed_spend` with window=7d: spend under names no note carries, and unpriced models.\n"
        "Report in four short sections: top spenders (a table: agent, owner, cost per day, anomaly), what changed "
        "and why (one line per anomaly with its likeliest cause), budgets near their limits (budget, spent, limit, "
        "percent), unattributed spend (total and the largest names). End with at most three actions, each naming "
        "the owner who should take it. Quote figures from the answers; do not estimate."
    )


def explain_agent_spend(agent: Agent) -> str:
    """Explain an agent's spend: what it costs, how that moved, why, who owns it and what it depends on."""
    return (
        f"Explain the spend of the agent {agent!r} from orgmap. Call these tools:\n"
        f"1. `agent_cost` with agent={agent!r}, window=7d and bucket=day: its total, peak and daily series.\n"
        f"2. `explain_cost_change` with agent={agent!r} and window=7d: its anomalies with their ranked causes.\n"
        f"3. `recent_changes` with target={agent!r} and window=30d: deploys, prompt, model and config changes.\n"
        f"4. `expensive_runs` with agent={agent!r} and window=7d: its most expensive or runaway runs.\n"
        f"5. `who_owns` with name={agent!r}, and `check_allowance` with agent={agent!r}: its owner, and whether a "
        "budget lets it spend now.\n"
        "Report: what it costs per day and in total over 7 days, how that moved (the peak day and the trend), why "
        "(each anomaly's cause, tied to a change or run where the answers show one), who owns it and how much of "
        "its budget is left. If a tool says the name is unknown or matches several nodes, show the candidates it "
        "lists and stop."
    )


def what_breaks_if_down(node: Node) -> str:
    """What breaks if a node goes down: its blast radius, with the owners to tell and the spend per day at
    stake."""
    return (
        f"What breaks if {node!r} goes down? Use orgmap. Call these tools:\n"
        f"1. `describe_node` with name={node!r}: what it is and who owns it.\n"
        f"2. `what_depends_on` with name={node!r}, depth=2 and window=7d: everything that depends on it, directly "
        "or through one more hop, with the spend per day at stake (pass next_cursor back as cursor until there "
        "is none).\n"
        f"3. `recent_changes` with target={node!r} and window=30d: what changed on it lately.\n"
        "Report: the agents and systems that would stop or degrade, grouped as direct and indirect, each with its "
        "owner and spend per day; the total spend per day at stake; the owners to tell first (those with the most "
        "at stake); and any recent change that could be why it went down. If a tool says the name is unknown or "
        "matches several nodes, show the candidates it lists and stop."
    )


# name -> (title, function); the order is the order `prompts/list` gives.
PROMPTS: dict[str, tuple[str, Callable[..., str]]] = {
    "weekly_cost_review": ("Weekly cost review", weekly_cost_review),
    "explain_agent_spend": ("Explain an agent's spend", explain_agent_spend),
    "what_breaks_if_down": ("What breaks if it goes down", what_breaks_if_down),
}


def register(server: MCPServer) -> None:
    """Add orgmap's prompts to `server`, each with its title, its docstring as description and its arguments
    described."""
    for name, (title, fn) in PROMPTS.items():
        description = " ".join((fn.__doc__ or "").split())
        server.add_prompt(Prompt.from_function(fn, name=name, title=title, description=description))
