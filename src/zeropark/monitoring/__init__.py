"""Monitoring shell: incremental rollups, alarms, data-quality scores (DESIGN.md §5)."""
