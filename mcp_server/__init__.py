"""MCP tools and resources, thin over the service in `orgmap`."""
