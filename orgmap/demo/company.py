"""Lumen Freight, the example company of orgmap/demo/vault: how each of its agents behaves, as demo profiles.

Names, aliases, cost keys and models match the vault's notes (tests/test_demo_data.py checks them against the files).
"""

from __future__ import annotations

from orgmap.demo.engine import AgentProfile, Fee

__all__ = ["CUSTOMERS", "PROFILES", "UNATTRIBUTED"]

CUSTOMERS = ("acme-corp", "globex", "initech", "hooli", "stark-logistics")
_RETRIEVAL = Fee("retrieval", "Knowledge Retriever", 0.0004)
_SANDBOX = Fee("tool", "Code Sandbox", 0.0025, per_run=2)
_WEB = Fee("tool", "Web Search", 0.01, per_run=3)
_PDF = Fee("tool", "PDF Parser", 0.009)

PROFILES: tuple[AgentProfile, ...] = (
    AgentProfile("Support Triage Agent", "claude-haiku-4-5", "anthropic", "customer", 200, (2, 4), 2800, 180,
                 cache_share=0.5, names=(("support-triage", 0.2), ("proj_support_triage", 0.1)),
                 fees=(_RETRIEVAL,), projects=CUSTOMERS, task="triage"),
    AgentProfile("Support Reply Agent", "claude-sonnet-4-5", "anthropic", "customer", 170, (2, 4), 5200, 450,
                 cache_share=0.55, names=(("support-bot", 0.35), ("key_8f3a", 0.1)), projects=CUSTOMERS,
                 task="reply"),
    AgentProfile("Refund Agent", "gpt-4.1-mini", "openai", "customer", 25, (2, 3), 2200, 250,
                 names=(("proj_refunds", 0.5),), projects=CUSTOMERS, task="refund"),
    AgentProfile("Code Review Agent", "claude-sonnet-4-5-20250929", "anthropic", "office", 90, (3, 6), 6500, 700,
                 cache_share=0.4, names=(("pr-reviewer", 0.5), ("key_cr_2c91", 0.1)), fees=(_SANDBOX,),
                 task="review", error_rate=0.02),
    AgentProfile("Test Generator", "gpt-4.1", "openai", "office", 30, (2, 4), 3500, 900,
                 names=(("testgen", 0.5),), fees=(Fee("tool", "Code Sandbox", 0.0025, per_run=3),), task="tests"),
    AgentProfile("Release Notes Writer", "gpt-4o-mini", "openai", "batch", 20, (2, 3), 6000, 800,
                 batch_hours=(7,), batch_weekdays=(0,), task="release-notes"),
    AgentProfile("Incident Summarizer", "claude-haiku-4-5", "anthropic", "steady", 8, (2, 5), 4000, 400,
                 cache_share=0.3, names=(("incident-bot", 0.5),), task="incident-summary"),
    AgentProfile("Docs Assistant", "gpt-4o-mini", "openai", "office", 110, (1, 2), 1800, 280,
                 names=(("ask-docs", 0.3), ("proj_docs_assistant", 0.2)), fees=(_RETRIEVAL,), task="answer"),
    AgentProfile("Onboarding Buddy", "gpt-4o-mini", "openai", "office", 30, (1, 2), 1500, 250,
                 fees=(_RETRIEVAL,), task="answer"),
    AgentProfile("Embedding Indexer", "text-embedding-3-small", "openai", "batch", 30, (2, 5), 2500, 0,
                 batch_hours=(0, 6, 12, 18), kind="embedding", names=(("kb-indexer", 0.5),), task="index"),
    AgentProfile("Sales Research Agent", "gpt-4.1", "openai", "office", 35, (3, 5), 4000, 700,
                 names=(("sales-researcher", 0.3), ("proj_sales_research", 0.1)), fees=(_WEB,), task="brief"),
    AgentProfile("Lead Scoring Agent", "gpt-4o-mini", "openai", "batch", 80, (1, 1), 1200, 60,
                 batch_hours=(1,), batch_weekdays=(1, 2, 3, 4, 5), task="score"),
    AgentProfile("Marketing Copy Agent", "gemini-2.5-flash", "google", "office", 20, (2, 4), 2000, 900,
                 names=(("copywriter", 0.4),), fees=(Fee("tool", "Web Search", 0.01),), task="draft"),
    AgentProfile("SQL Analyst Agent", "gpt-4.1", "openai", "office", 40, (3, 6), 2500, 400,
                 names=(("ask-data", 0.5), ("proj_sql_analyst", 0.2)), fees=(Fee("tool", "SQL Runner", 0.003, 2),),
                 task="query"),
    AgentProfile("Churn Predictor", "o4-mini", "openai", "batch", 60, (1, 2), 3000, 2500,
                 batch_hours=(4,), reasoning_share=0.8, task="churn-risk"),
    AgentProfile("Security Alert Triage", "claude-sonnet-4-5", "anthropic", "steady", 45, (2, 4), 3500, 500,
                 cache_share=0.4, names=(("sec-triage", 0.6),), task="alert"),
    AgentProfile("Phishing Classifier", "gpt-4o-mini", "openai", "office", 100, (1, 1), 1500, 20,
                 names=(("phish-check", 1.0),), task="classify"),
    AgentProfile("Invoice Reconciler", "gpt-4.1-mini", "openai", "batch", 60, (1, 2), 3000, 300,
                 batch_hours=(3,), fees=(_PDF,), task="reconcile"),
    AgentProfile("Contract Review Agent", "claude-opus-4-1", "anthropic", "office", 3, (3, 6), 30000, 1500,
                 fees=(Fee("tool", "PDF Parser", 0.05),), task="contract"),
    AgentProfile("Tracking Assistant", "gpt-4o-mini", "openai", "customer", 240, (2, 3), 2200, 150,
                 names=(("proj_tracking_prod", 0.6), ("tracking-chat", 0.1)), projects=CUSTOMERS, task="chat"),
)

# Traffic no note carries: the triage service's old name (through a billing proxy that reports cost) and a
# hackathon bot nobody registered.
UNATTRIBUTED: tuple[AgentProfile, ...] = (
    AgentProfile("legacy-ticket-router", "ft:gpt-4o-mini-2024-07-18:lumen-freight::9fK2xQ1", "openai", "customer",
                 18, (1, 1), 900, 40, usd_per_1k_tokens=0.0009, projects=CUSTOMERS, task="route"),
    AgentProfile("hackathon-slackbot", "gpt-4o-mini", "openai", "office", 12, (1, 3), 1500, 300, task="chat"),
)
