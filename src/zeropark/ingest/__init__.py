"""Ingestion shell: MQTT, HTTP and file readings → validation → store or quarantine (DESIGN.md §5)."""
