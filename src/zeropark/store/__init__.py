"""Store: SQLAlchemy 2 schema, repositories, Alembic migrations, bulk COPY path (shell)."""
