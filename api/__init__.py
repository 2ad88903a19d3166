"""FastAPI HTTP routes and the dashboard, thin over the service in `orgmap`."""
