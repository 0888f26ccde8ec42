#!/usr/bin/env bash
# Dependency audit (依赖漏洞审计): the packages installed in the venv against a vulnerability advisory
# database, through pip-audit. Part of `make test` (and so of CI), kept short:
#
# 1. Probe (at most ZEROPARK_AUDIT_PROBE_S seconds, default 20, both services at once): ask each
#    advisory service pip-audit knows (PyPI's, OSV's) about a canary, jinja2 2.10, which has
#    published advisories (CVE-2019-10906, CVE-2020-28493). A service that answers without them is
#    not usable either.
# 2. Audit the installed packages (the project itself, an editable install, is skipped) against the
#    first service that passed, within ZEROPARK_AUDIT_TIMEOUT_S seconds (default 120).
#
# Exit status: 1 when a known vulnerability is found. When no advisory database can be reached the
# script says so ("NOT DONE … not a clean result") and exits 0: the network of the machine is not a
# defect of the code, but the output never claims "no known vulnerabilities" it did not check.
# An interrupted audit says "INCOMPLETE" the same way.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${ZEROPARK_AUDIT_BIN:-.venv/bin}
PROBE_S=${ZEROPARK_AUDIT_PROBE_S:-20}
AUDIT_S=${ZEROPARK_AUDIT_TIMEOUT_S:-120}
SERVICES=(pypi osv)

if [ ! -x "$BIN/pip-audit" ]; then
  echo "dependency audit: NOT DONE — pip-audit is not installed in $BIN (pip install -e '.[dev]'); not a clean result"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "jinja2==2.10" >"$work/canary.txt"

for svc in "${SERVICES[@]}"; do
  timeout "$PROBE_S" "$BIN/pip-audit" -s "$svc" --no-deps --progress-spinner off --desc off -f json \
    -r "$work/canary.txt" -o "$work/probe-$svc.json" >/dev/null 2>&1 &
done
wait

usable=""
for svc in "${SERVICES[@]}"; do
  if grep -q '"jinja2"' "$work/probe-$svc.json" 2>/dev/null && grep -q '"CVE-\|"GHSA-\|"PYSEC-' "$work/probe-$svc.json"; then
    usable=$svc
    break
  fi
done
if [ -z "$usable" ]; then
  echo "dependency audit: NOT DONE — no vulnerability advisory database answered within ${PROBE_S} s" \
    "(tried pip-audit's services: ${SERVICES[*]}); this is not a clean result. Run scripts/audit-deps.sh" \
    "on a machine that reaches one."
  exit 0
fi

timeout "$AUDIT_S" "$BIN/pip-audit" -s "$usable" -l --skip-editable --progress-spinner off --desc off \
  -f json -o "$work/audit.json" >"$work/audit.out" 2>&1
rc=$?
"$BIN/python" - "$work/audit.json" "$usable" "$rc" <<'PY'
import json
import sys

path, service, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
except (OSError, ValueError):
    why = "timed out" if rc == 124 else f"pip-audit exit status {rc}"
    print(f"dependency audit: INCOMPLETE — the audit against {service} did not finish ({why}); not a clean result")
    sys.exit(0)
deps = report.get("dependencies", [])
found = [(d["name"], d.get("version"), v["id"], v.get("fix_versions", [])) for d in deps for v in d.get("vulns", [])]
audited = [d for d in deps if "skip_reason" not in d]
if found:
    print(f"dependency audit ({service}): {len(found)} known vulnerabilities in {len(audited)} packages:")
    for name, version, vid, fixes in found:
        print(f"  {name} {version}: {vid}; fixed in {', '.join(fixes) or 'no release yet'}")
    sys.exit(1)
print(f"dependency audit ({service}): no known vulnerabilities in {len(audited)} installed packages")
PY
