"""HTTP: the web application (pages and API)."""
