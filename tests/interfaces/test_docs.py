"""The docs stay complete (datasette-style): every route and tool is in the README, every route is documented in
OpenAPI with a summary and a description, and the event bodies' examples are events the API accepts."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def test_every_route_is_in_the_readme_api_section(api) -> None:
    text = section("HTTP API")
    paths = [p for p in api.app.openapi()["paths"] if p.startswith("/v1")]
    assert paths
    missing = [p for p in paths if f"`{p}`" not in text and f" {p}`" not in text]
    assert not missing, f"routes missing from README.md's HTTP API section: {missing}"


def test_every_tool_is_in_the_readme_mcp_section(mcp) -> None:
    text = section("Connecting MCP clients")
    missing = [t.name for t in mcp.tools() if f"`{t.name}`" not in text]
    assert not missing, f"tools missing from README.md's MCP section: {missing}"
    assert '"args": ["mcp", "--vault", "/path/to/vault"]' in text
    assert '"url": "http://127.0.0.1:8000/mcp"' in text


def test_every_route_has_a_summary_and_a_description(api) -> None:
    for path, operations in api.app.openapi()["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") and operation.get("description"), f"{method.upper()} {path}"


def test_every_tool_has_a_description(mcp) -> None:
    for tool in mcp.tools():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.output_schema, tool.name


def test_the_event_body_examples_are_events_the_api_accepts(doors, tmp_path) -> None:
    vault = doors.copy_company(tmp_path)
    with doors.api_client(doors.opener(vault)) as api:
        paths = api.app.openapi()["paths"]
        for route in ("/v1/events/cost", "/v1/events/change"):
            examples = paths[route]["post"]["requestBody"]["content"]["application/json"]["examples"]
            assert len(examples) >= 2
            for name, example in examples.items():
                report = api.post(route, json=example["value"]).json()
                assert not report["rejected"], (route, name, report["rejected"])
                assert report["accepted"] + report["duplicates"] >= 1


def test_the_event_routes_document_their_422_like_every_route_with_input(api) -> None:
    """The event routes read their own body; OpenAPI still lists the 422 they answer for a body they refuse."""
    paths = api.app.openapi()["paths"]
    for route in ("/v1/events/cost", "/v1/events/change"):
        refused = paths[route]["post"]["responses"].get("422")
        assert refused == paths["/v1/changes"]["get"]["responses"]["422"], route
