"""The verification core: sampling by hand, the corrective-action state machine, the opinion rules,
the pack check (a signed pack built by hand, then tampered)."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zeropark.errors import DataError, IllegalTransition, StatementBlocked
from zeropark.ledger.entry import LeafRecord, content_hash, field_hashes, public_key_pem, sign_tree_head
from zeropark.ledger.merkle import MerkleTree
from zeropark.verification.checklist import checklist
from zeropark.verification.engagement import Assurance, Engagement, check_engagement, materiality_tco2e
from zeropark.verification.findings import (
    ActionState,
    ActionStep,
    Evidence,
    FindingStatus,
    Severity,
    check_evidence,
    next_state,
)
from zeropark.verification.pack import FORMAT, check_pack, section_hashes, signoff_message
from zeropark.verification.sampling import Reason, Risk, Unit, line_risk, plan_sample, pps_select, sample_size
from zeropark.verification.statement import FindingState, Opinion, draft_statement, opinion

ABCD = [
    Unit("line_item", "A", 50.0),
    Unit("line_item", "B", 30.0),
    Unit("line_item", "C", 15.0),
    Unit("line_item", "D", 5.0),
]


def test_sample_size_is_the_poisson_mus_formula() -> None:
    # n = ceil(-ln β / m): -ln 0.05 / 0.05 = 59.91 → 60; -ln 0.20 / 0.05 = 32.19 → 33;
    # -ln 0.05 / 0.02 = 149.8 → 150
    assert sample_size(5.0, 0.05, 10_000) == 60
    assert sample_size(5.0, 0.20, 10_000) == 33
    assert sample_size(2.0, 0.05, 10_000) == 150
    assert sample_size(5.0, 0.05, 7) == 7  # capped at the population
    assert sample_size(5.0, 0.05, 0) == 0


@pytest.mark.parametrize(
    ("units", "fraction", "interval", "picked"),
    [
        # sizes 50,30,15,5 (P=100), n=2 → J=50; s=0.2·50=10: points 10 ∈ A[0,50), 60 ∈ B[50,80)
        (ABCD, 0.2, 50.0, ["A", "B"]),
        # s=0.9·50=45: points 45 ∈ A[0,50), 95 ∈ D[95,100)
        (ABCD, 0.9, 50.0, ["A", "D"]),
        # C high risk (×3 = 45): P = 50+30+45+5 = 130, J=65; s=0.9·65=58.5 ∈ B[50,80), 123.5 ∈ C[80,125)
        (
            [*ABCD[:2], Unit("line_item", "C", 15.0, Risk.HIGH), ABCD[3]],
            0.9,
            65.0,
            ["B", "C"],
        ),
    ],
)
def test_pps_by_hand(units: list[Unit], fraction: float, interval: float, picked: list[str]) -> None:
    j, _, sel = pps_select(units, 2, fraction)
    assert j == pytest.approx(interval)
    assert [s.unit.id for s in sel] == picked


def test_plan_takes_key_items_then_mus_seeded() -> None:
    # total 1000 tCO2e, materiality 5 % = 50 t: A (50 t) is a key item. The rest B,C,D = 30+15+5 = 50;
    # n = min(60, 3) = 3 → J = 16.667; seed 7: random() = 0.323833 → s = 5.397; points 5.397, 22.064
    # (both in B[0,30)) and 38.731 (in C[30,45)); D[45,50) gets none.
    plan = plan_sample(
        ABCD,
        kind="line_item",
        materiality_tco2e=50.0,
        materiality_pct=5.0,
        assurance=Assurance.REASONABLE,
        seed=7,
    )
    assert plan.ids() == ["A", "B", "C"]
    reasons = {s.unit.id: (s.reason, s.hits) for s in plan.selections}
    assert reasons == {"A": (Reason.KEY_ITEM, 1), "B": (Reason.PPS, 2), "C": (Reason.PPS, 1)}
    assert plan.interval == pytest.approx(50 / 3)
    assert plan.start == pytest.approx(0.32383276483316237 * 50 / 3)
    again = plan_sample(
        list(reversed(ABCD)),
        kind="line_item",
        materiality_tco2e=50.0,
        materiality_pct=5.0,
        assurance=Assurance.REASONABLE,
        seed=7,
    )
    assert again == plan  # deterministic whatever the order given


def test_line_risk_and_materiality() -> None:
    assert line_risk(2.0, True) is Risk.LOW
    assert line_risk(5.0, True) is Risk.MEDIUM
    assert line_risk(10.0, True) is Risk.HIGH
    assert line_risk(0.0, False) is Risk.HIGH
    assert materiality_tco2e(-1200.0, 5.0) == 60.0  # 5 % of |−1200|


def test_engagement_checks() -> None:
    e = Engagement("P1", 1, "f" * 64, 2025, "national", 100.0, "park boundary", Assurance.LIMITED, 5.0, 1)
    check_engagement(e)
    for bad, match in (
        ({"materiality_pct": 0.0}, "materiality"),
        ({"seed": -1}, "seed"),
        ({"scope_text": " "}, "scope"),
    ):
        with pytest.raises(DataError, match=match):
            check_engagement(Engagement(**{**{f: getattr(e, f) for f in e.__slots__}, **bad}))


def test_action_state_machine() -> None:
    s = next_state(ActionState.OPEN, ActionStep.RESPOND)
    assert s is ActionState.RESPONDED
    assert next_state(s, ActionStep.REJECT) is ActionState.REJECTED
    assert next_state(ActionState.REJECTED, ActionStep.RESPOND) is ActionState.RESPONDED
    assert next_state(ActionState.RESPONDED, ActionStep.ACCEPT) is ActionState.ACCEPTED
    with pytest.raises(IllegalTransition, match="allowed: respond"):
        next_state(ActionState.OPEN, ActionStep.ACCEPT)
    with pytest.raises(IllegalTransition, match="closed"):
        next_state(ActionState.ACCEPTED, ActionStep.RESPOND)


def test_evidence_is_checked() -> None:
    known = {"line_items": {"L1"}, "meters": {"M1"}, "documents": {"a" * 64}, "tree_size": 3}
    check_evidence(Evidence(("L1",), ("M1",), ("a" * 64,), (2,)), **known)
    for ev, match in (
        (Evidence(), "must cite"),
        (Evidence(line_items=("L9",)), "line item 'L9'"),
        (Evidence(meters=("M9",)), "meter 'M9'"),
        (Evidence(documents=("xyz",)), "not a SHA-256"),
        (Evidence(documents=("b" * 64,)), "no evidence document"),
        (Evidence(leaves=(3,)), "leaf #3"),
    ):
        with pytest.raises(DataError, match=match):
            check_evidence(ev, **known)


OP, R, U, N = FindingStatus.OPEN, FindingStatus.RESOLVED, FindingStatus.UNRESOLVED, FindingStatus.NOTED


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([], Opinion.UNMODIFIED),
        ([FindingState(1, Severity.OBSERVATION, N)], Opinion.UNMODIFIED),  # observations never count
        ([FindingState(1, Severity.MAJOR, R, 80.0)], Opinion.UNMODIFIED),  # corrected
        ([FindingState(1, Severity.MINOR, OP, 10.0)], Opinion.MODIFIED),  # 10 t < 60 t materiality
        ([FindingState(1, Severity.MINOR, U, 0.0)], Opinion.MODIFIED),
        # 35 + 25 = 60 t ≥ 60 t: material in aggregate
        (
            [FindingState(1, Severity.MINOR, OP, 35.0), FindingState(2, Severity.MINOR, U, 25.0)],
            Opinion.ADVERSE,
        ),
        ([FindingState(1, Severity.MAJOR, U, 1.0)], Opinion.ADVERSE),
    ],
)
def test_opinion_rules(findings: list[FindingState], expected: Opinion) -> None:
    assert opinion(findings, 60.0) is expected


def test_open_major_blocks_the_statement_and_text_in_both_languages() -> None:
    with pytest.raises(StatementBlocked, match="#4"):
        opinion([FindingState(4, Severity.MAJOR, OP, 0.0)], 60.0)
    e = Engagement("P1", 9, "ab" * 32, 2025, "national", 1200.0, "park", Assurance.REASONABLE, 5.0, 1)
    st = draft_statement(e, [FindingState(1, Severity.MINOR, R, 5.0)], n_line_items=12, n_meters=4)
    assert st.opinion is Opinion.UNMODIFIED
    assert st.materiality_tco2e == 60.0  # 5 % × 1200
    for text in (st.text_zh, st.text_en):
        assert "1,200.000" in text and "60.000" in text and "#9" in text and "12" in text
    assert "无保留意见" in st.text_zh and "unmodified opinion" in st.text_en


def test_checklist_cites_clauses() -> None:
    items = checklist()
    assert len(items) >= 10 and len({i.id for i in items}) == len(items)
    assert all(i.clause.startswith("ISO 14064-3:2019") and i.text_zh and i.text_en for i in items)


def _pack() -> dict:
    """A pack of one engagement, one finding, a run leaf and a sign-off, on a 5-leaf log."""
    key = Ed25519PrivateKey.generate()
    fp = hashlib.sha256(b"rows").hexdigest()
    eng = {"id": 1, "run_id": 7, "run_fingerprint": fp, "materiality_pct": 5.0}
    finding = {"id": 2, "engagement_id": 1, "severity": "minor", "status": "resolved"}
    objects = [
        ("factor_set", "x", {"a": 1}),
        ("inventory_run", "7", {"input_fingerprint": fp, "total_tco2e": 100.0}),
        ("verification_engagement", "1", eng),
        ("verification_finding", "2", finding),
    ]
    doc: dict = {
        "format": FORMAT,
        "public_key": public_key_pem(key.public_key()),
        "engagement": eng,
        "checklist": [{"id": "C01", "result": "pass"}],
        "findings": [finding],
        "actions": [],
        "statement": {"opinion": "unmodified"},
        "run": {"id": 7, "input_fingerprint": fp},
    }
    so = {"engagement_id": 1, "run_fingerprint": fp, "signed_by": "v", "sections": section_hashes(doc)}
    so["signature"] = key.sign(signoff_message(so)).hex()
    doc["signoff"] = so
    objects.append(("verification_signoff", "1", so))
    tree, recs = MerkleTree(), []
    for i, (kind, oid, fields) in enumerate(objects):
        hashes = field_hashes(fields)
        rec = LeafRecord(kind, oid, content_hash(hashes), f"2026-01-01T00:00:0{i}.000000Z")
        tree.append_hash(rec.hash())
        recs.append((i, rec, hashes))
    size = tree.size
    doc["head"] = {
        "tree_size": size,
        "root_hash": tree.root().hex(),
        "timestamp_ms": 1,
        "signature": sign_tree_head(key, size, tree.root(), 1).hex(),
    }
    doc["leaves"] = [
        {
            "index": i,
            "kind": r.kind,
            "id": r.object_id,
            "content_sha256": r.content_sha256,
            "created_at": r.created_at,
            "leaf_hash": r.hash().hex(),
            "fields": h,
            "audit_path": [p.hex() for p in tree.inclusion_proof(i, size)],
        }
        for i, r, h in recs
        if i > 0  # the factor set is not cited
    ]
    return doc


def test_a_clean_pack_checks_out_and_each_tampering_is_named() -> None:
    assert check_pack(_pack()) == []
    doc = _pack()
    doc["findings"][0]["severity"] = "observation"
    found = check_pack(doc)
    assert "verification_finding 2 (leaf #3): severity altered" in found
    assert any("section 'findings' altered" in f for f in found)
    doc = _pack()
    doc["statement"]["opinion"] = "adverse"
    assert check_pack(doc) == [
        "section 'statement' altered since the sign-off (its hash differs from the signed one)"
    ]
    doc = _pack()
    doc["run"]["input_fingerprint"] = "0" * 64
    found = check_pack(doc)
    assert "run 7 (leaf #1): input fingerprint altered" in found
    doc = _pack()
    doc["leaves"][0]["audit_path"][0] = "00" * 32
    assert any("not included in the signed tree head" in f for f in check_pack(doc))
    doc = _pack()
    doc["head"]["timestamp_ms"] = 2
    assert check_pack(doc) == ["tree head of size 5: the Ed25519 signature does not verify"]
