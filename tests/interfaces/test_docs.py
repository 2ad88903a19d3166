"""The docs stay complete (datasette-style): every route is in docs/http-api.md, every tool and prompt in
docs/mcp.md, every CLI command in docs/cli.md; the README's links and images point at files that exist; every route is
documented in OpenAPI with a summary and a description, and the event bodies' examples are events the API accepts."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")

DEMO_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/orgmap demo"
TEST_COMMAND = 'python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]" && .venv/bin/pytest'
STDIO_CONFIG = '{"mcpServers": {"orgmap": {"command": "orgmap", "args": ["mcp", "--vault", "/path/to/vault"]}}}'
HTTP_CONFIG = '{"mcpServers": {"orgmap": {"url": "http://127.0.0.1:8000/mcp"}}}'
# Markdown links and images to local files: [text](path) or ![alt](path), without a scheme; an #anchor is dropped.
LOCAL_LINK = re.compile(r"!?\[[^\]]*\]\((?![a-z][a-z0-9+.-]*:)([^)#\s]+)(?:#[^)]*)?\)")
MAX_IMAGE_BYTES = 256 * 1024


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def section(text: str, title: str, where: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"{where} has no '## {title}' section"
    return match.group(1)


def test_every_route_is_in_the_http_api_doc(api) -> None:
    text = section(doc("http-api.md"), "Routes", "docs/http-api.md")
    routes = [f"{method.upper()} {path}" for path, operations in api.app.openapi()["paths"].items()
              if path.startswith("/v1") for method in operations]
    assert routes
    missing = [route for route in routes if f"`{route}`" not in text]
    assert not missing, f"routes missing from docs/http-api.md's Routes section: {missing}"


def test_every_tool_and_both_client_configs_are_in_the_mcp_doc(mcp) -> None:
    text = doc("mcp.md")
    tools = section(text, "Tools", "docs/mcp.md")
    missing = [t.name for t in mcp.tools() if f"`{t.name}`" not in tools]
    assert not missing, f"tools missing from docs/mcp.md's Tools section: {missing}"
    for config in (STDIO_CONFIG, HTTP_CONFIG):
        assert config in text, f"docs/mcp.md lacks the config {config}"
        assert config in README, f"README.md lacks the config {config}"


def test_every_prompt_and_its_arguments_are_in_the_mcp_doc(mcp) -> None:
    text = section(doc("mcp.md"), "Prompts", "docs/mcp.md")
    listed = mcp.portal.call(mcp.client.list_prompts).prompts
    assert listed
    missing = [p.name for p in listed if f"`{p.name}`" not in text]
    missing += [f"{p.name}.{a.name}" for p in listed for a in p.arguments or [] if f"`{a.name}`" not in text]
    assert not missing, f"prompts or arguments missing from docs/mcp.md's Prompts section: {missing}"


def test_every_cli_command_is_in_the_cli_doc() -> None:
    import argparse

    from orgmap.cli import build_parser

    parser = build_parser()
    commands = [name for action in parser._actions if isinstance(action, argparse._SubParsersAction)
                for name in action.choices]
    assert "serve" in commands and "check" in commands
    text = doc("cli.md")
    missing = [name for name in commands if not re.search(rf"^#+ .*`orgmap {re.escape(name)}[ `]", text, flags=re.M)]
    assert not missing, f"commands without a heading in docs/cli.md: {missing}"


def test_the_readme_starts_with_the_two_commands() -> None:
    for command in (DEMO_COMMAND, TEST_COMMAND):
        assert command in README, f"README.md lacks: {command}"
    assert README.index(TEST_COMMAND) < README.index("## With your own agents")


def test_every_local_link_and_image_in_the_readme_and_docs_exists() -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md")), ROOT / "bench" / "README.md"]
    broken = [f"{page.relative_to(ROOT)}: {target}" for page in pages
              for target in LOCAL_LINK.findall(page.read_text(encoding="utf-8"))
              if not (page.parent / target).exists()]
    assert not broken, f"links to files that do not exist: {broken}"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = set(re.findall(r"\]\(docs/([^)#]+\.md)", README))
    pages = {page.name for page in DOCS.glob("*.md")}
    assert not pages - linked, f"docs pages the README does not link: {sorted(pages - linked)}"


def test_the_readme_images_exist_and_stay_small() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert images, "README.md shows no screenshot"
    for image in images:
        path = ROOT / image
        assert path.is_file(), image
        assert path.stat().st_size < MAX_IMAGE_BYTES, f"{image} is {path.stat().st_size:,} bytes"


def test_every_route_has_a_summary_and_a_description(api) -> None:
    for path, operations in api.app.openapi()["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") and operation.get("description"), f"{method.upper()} {path}"


def test_every_tool_has_a_description(mcp) -> None:
    for tool in mcp.tools():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.output_schema, tool.name


def test_the_event_body_examples_are_events_the_api_accepts(doors, fresh_company) -> None:
    with doors.api_client(fresh_company) as api:
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
