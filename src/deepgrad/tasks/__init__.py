"""The course's applications, one module each, used by the CLI, the web lab and examples."""
