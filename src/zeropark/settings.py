"""Settings from the environment (prefix ``ZEROPARK_``). Only the shell reads them (DESIGN.md §8)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-not-secret"


class Settings(BaseSettings):
    """Runtime configuration.

    ``database_url`` defaults to a SQLite file ``zeropark.db`` in the working directory; point it
    at PostgreSQL with ``ZEROPARK_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/zeropark``.
    """

    model_config = SettingsConfigDict(env_prefix="ZEROPARK_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{Path.cwd() / 'zeropark.db'}"
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    secret_key: str = DEV_SECRET
    environment: str = "development"
    factor_set: str = "CN-park-2025"
    log_level: str = "INFO"
    #: readings before 1 January of this year (park time) are quarantined as ``early_ts`` by the
    #: MQTT ingester and the HTTP door (docs/ingestion.md §2); lower it for genuine older history
    earliest_reading_year: int = 2000
    #: evidence ledger (#16): the Ed25519 key file that signs tree heads (PEM, PKCS #8); created
    #: with mode 0600 on first use. Empty: ``$XDG_DATA_HOME/zeropark/ledger-ed25519.pem``
    #: (``~/.local/share/zeropark/…``) — outside the repository.
    ledger_key: str = ""
    #: scale-out (#20): the NATS server of ``zeropark ingest nats``
    nats_url: str = "nats://127.0.0.1:4222"
    #: scale-out (#20): the Dask scheduler of ``zeropark province`` (empty: a local cluster)
    dask_scheduler: str = ""
    #: argon2 parameters of new password/token/gateway-key hashes (``zeropark.security.HASH_PROFILES``):
    #: ``default`` (argon2-cffi's defaults, RFC 9106 low-memory argon2id). ``test-cheapest`` exists
    #: for the test suite only and is refused outside development (:meth:`check_production`).
    password_hash_profile: str = "default"

    @field_validator("database_url")
    @classmethod
    def _normalise_driver(cls, v: str) -> str:
        """Use psycopg 3 for plain ``postgresql://`` URLs."""
        if v.startswith("postgres://"):
            v = "postgresql://" + v[len("postgres://") :]
        if v.startswith("postgresql://"):
            v = "postgresql+psycopg://" + v[len("postgresql://") :]
        return v

    def check_production(self) -> None:
        """Refuse the development secret outside development."""
        if self.environment != "development" and self.secret_key == DEV_SECRET:
            raise ValueError("set ZEROPARK_SECRET_KEY to a random secret outside development")
        if self.environment != "development" and self.password_hash_profile != "default":
            raise ValueError(
                f"ZEROPARK_PASSWORD_HASH_PROFILE={self.password_hash_profile!r} is for tests only; "
                "unset it (argon2 defaults) outside development"
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
