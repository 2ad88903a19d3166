"""Cost and change events: the store, pricing, run-rate rollups, budgets, runs and anomalies."""
