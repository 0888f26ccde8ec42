#!/usr/bin/env bash
# Regenerate the single initial migration from store/schema.py (allowed until the first release).
set -euo pipefail
cd "$(dirname "$0")/.."
v=src/zeropark/store/migrations/versions
rm -f "$v"/*.py /tmp/zeropark-regen.db
.venv/bin/python -c "from zeropark.store.migrate import autogenerate; autogenerate('sqlite:////tmp/zeropark-regen.db', 'initial schema')"
f=$(ls "$v"/*.py)
sed -i "s/^revision: str = .*/revision: str = '0001'/; s/^Revision ID: .*/Revision ID: 0001/; s/^Create Date: .*/Create Date: (regenerated)/; s/^Revises: *$/Revises: (none)/" "$f"
mv "$f" "$v/0001_initial_schema.py"
.venv/bin/ruff check --fix -q "$v" || true; .venv/bin/ruff format -q "$v" || true
echo "regenerated $v/0001_initial_schema.py"
