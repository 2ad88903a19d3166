"""The composition root: configuration, the service that owns graph + store + watcher, and the CLI."""
