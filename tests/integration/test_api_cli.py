"""``zeropark users add/list/unlock-address`` on an SQLite file.

``users add``/``list`` run through the real console script (a subprocess: the installed entry point,
its exit codes and its stderr); the unlock test is about the lockout, so its commands run the same
CLI in-process (``api_support.invoke_cli``), without three more interpreters.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from api_support import invoke_cli

from zeropark.security import verify_password
from zeropark.services.logins import MAX_FAILED_LOGINS_PER_IP, LoginFailed, LoginThrottled, log_in
from zeropark.store.db import make_engine, transaction
from zeropark.store.schema import AuditLogRow, UserRow


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZEROPARK_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COLUMNS": "200"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "zeropark"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_users_add_and_list(tmp_path: Path) -> None:
    r = _cli(tmp_path, "users", "add", "alice", "--role", "admin", "--password", "alice-secret-1")
    assert r.returncode == 0, r.stderr
    # too short a password: exit code 3 (EXIT_DATA_ERROR) and the reason
    r = _cli(tmp_path, "users", "add", "bob", "--role", "admin", "--password", "short")
    assert r.returncode == 3 and "at least 8" in r.stderr
    r = _cli(tmp_path, "users", "list")
    assert r.returncode == 0 and "alice" in r.stdout and "bob" not in r.stdout
    eng = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with transaction(eng) as s:
        row = s.query(UserRow).filter_by(username="alice").one()
        assert row.password_hash.startswith("$argon2id$")
        assert verify_password(row.password_hash, "alice-secret-1")
    eng.dispose()


def test_users_unlock_address(tmp_path: Path) -> None:
    """An address blocked after MAX_FAILED_LOGINS_PER_IP failures is lifted from the command line."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    added = invoke_cli(url, "users", "add", "alice", "--role", "admin", "--password", "alice-secret-1")
    assert added.exit_code == 0, added.output
    eng = make_engine(url)
    office = "203.0.113.7"
    for i in range(MAX_FAILED_LOGINS_PER_IP):
        with pytest.raises(LoginFailed):
            log_in(eng, f"guess{i // 4}", "x", office)
    with pytest.raises(LoginThrottled):
        log_in(eng, "alice", "alice-secret-1", office)  # the admin is behind the blocked address too
    bad = invoke_cli(url, "users", "unlock-address", "not-an-address", env={"COLUMNS": "200"})
    assert bad.exit_code != 0 and "not an IPv4 or IPv6 address" in bad.stderr
    ok = invoke_cli(url, "users", "unlock-address", office)
    assert ok.exit_code == 0, ok.output
    assert log_in(eng, "alice", "alice-secret-1", office).principal.username == "alice"
    with transaction(eng) as s:
        unlocks = s.query(AuditLogRow).filter_by(action="unlock_address").all()
        assert [(a.user, a.entity_id) for a in unlocks] == [("cli", office)]
    eng.dispose()
