"""The dependency audit's wrapper (scripts/audit-deps.sh) says what it did and did not check (issue 12).

pip-audit itself is replaced by a small script standing in for its command line (``-o`` JSON
report, exit status), so each answer of the advisory services can be played here: none reachable,
reachable and clean, a vulnerability, an audit that does not finish. The real pip-audit runs in
``make test`` against whatever this machine reaches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit-deps.sh"

#: Plays pip-audit: FAKE_PROBE (json|none) answers the canary, FAKE_AUDIT (clean|vuln|hang) the audit.
FAKE = r"""#!/usr/bin/env bash
out=""; mode=audit; svc=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift ;;
    -s) svc=$2; shift ;;
    -r) mode=probe; shift ;;
  esac
  shift
done
if [ "$mode" = probe ]; then
  [ "$FAKE_PROBE" = json ] && [ "$svc" = "$FAKE_SERVICE" ] || exit 1
  printf '%s' "$PROBE_JSON" > "$out"
  exit 1
fi
case "$FAKE_AUDIT" in
  clean) printf '%s' "$CLEAN_JSON" > "$out"; exit 0 ;;
  vuln) printf '%s' "$VULN_JSON" > "$out"; exit 1 ;;
  hang) sleep 30 ;;
esac
"""


def _report(*deps: dict[str, object]) -> str:
    """A pip-audit JSON report of ``deps``."""
    return json.dumps({"dependencies": list(deps), "fixes": []})


REPORTS = {
    "PROBE_JSON": _report(
        {"name": "jinja2", "version": "2.10", "vulns": [{"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"]}]}
    ),
    "CLEAN_JSON": _report(
        {"name": "fastapi", "version": "1", "vulns": []},
        {"name": "zeropark", "skip_reason": "editable"},
        {"name": "numpy", "version": "2", "vulns": []},
    ),
    "VULN_JSON": _report(
        {
            "name": "requests",
            "version": "2.0.0",
            "vulns": [{"id": "GHSA-j8r2-6x86-q33q", "fix_versions": ["2.31.0"]}],
        }
    ),
}


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "pip-audit"
    fake.write_text(FAKE)
    fake.chmod(0o755)
    python = bin_dir / "python"
    if not python.exists():
        python.symlink_to(sys.executable)
    full = {
        **os.environ,
        "ZEROPARK_AUDIT_BIN": str(bin_dir),
        "ZEROPARK_AUDIT_PROBE_S": "5",
        "ZEROPARK_AUDIT_TIMEOUT_S": "2",
        "FAKE_SERVICE": "osv",
        **REPORTS,
        **env,
    }
    return subprocess.run(["bash", str(SCRIPT)], env=full, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("probe", ["none", "json"])
def test_no_reachable_database_is_said_never_called_clean(tmp_path: Path, probe: str) -> None:
    # "json" for another service than the fake answers: nothing usable either way
    r = run(tmp_path, FAKE_PROBE=probe, FAKE_SERVICE="esms", FAKE_AUDIT="clean")
    assert r.returncode == 0
    assert "NOT DONE" in r.stdout and "not a clean result" in r.stdout
    assert "no known vulnerabilities" not in r.stdout


def test_a_reachable_database_audits_the_installed_packages(tmp_path: Path) -> None:
    r = run(tmp_path, FAKE_PROBE="json", FAKE_AUDIT="clean")
    assert r.returncode == 0, r.stdout + r.stderr
    # two packages audited: the editable project is skipped and not counted
    assert r.stdout.strip() == "dependency audit (osv): no known vulnerabilities in 2 installed packages"


def test_a_known_vulnerability_fails(tmp_path: Path) -> None:
    r = run(tmp_path, FAKE_PROBE="json", FAKE_AUDIT="vuln")
    assert r.returncode == 1
    assert "1 known vulnerabilities" in r.stdout
    assert "requests 2.0.0: GHSA-j8r2-6x86-q33q; fixed in 2.31.0" in r.stdout


def test_an_audit_that_does_not_finish_is_incomplete(tmp_path: Path) -> None:
    r = run(tmp_path, FAKE_PROBE="json", FAKE_AUDIT="hang")
    assert r.returncode == 0
    assert "INCOMPLETE" in r.stdout and "timed out" in r.stdout
    assert "no known vulnerabilities" not in r.stdout
