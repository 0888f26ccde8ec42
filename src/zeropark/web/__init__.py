"""Web pages (shell): Jinja2 + htmx views over services/ and store/queries, mounted by ``zeropark.app``."""
