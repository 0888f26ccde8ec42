"""Codes shown on the pages get their labels from the catalogue (directions, reasons, factors …)."""

from __future__ import annotations

import pytest

from zeropark.accounting.gaps import GapKind
from zeropark.factors.factorset import FactorKind
from zeropark.i18n import MESSAGES, code_label, factor_label, input_label, rejection_label
from zeropark.ingest.validate import Reason
from zeropark.model import FLOW_LABEL_ZH, Direction, Flow
from zeropark.services.imports import ImportKind


@pytest.mark.parametrize(
    ("prefix", "codes"),
    [
        ("direction", list(Direction)),
        ("flow", list(Flow)),
        ("gap", list(GapKind)),
        ("reason", list(Reason)),
        ("factor_kind", list(FactorKind)),
        ("import_kind", list(ImportKind)),
        ("import_status", ["stored", "partial", "rejected"]),
    ],
)
def test_every_code_of_a_kind_has_both_labels(prefix: str, codes: list[object]) -> None:
    for c in codes:
        key = f"{prefix}_{c}"
        assert key in MESSAGES, key
        zh, en = MESSAGES[key]
        assert zh != en or prefix == "factor_kind", key  # the Chinese label is not the English one


def test_labels_fall_back_to_the_code_and_name_the_known_parts() -> None:
    assert code_label("direction", "import", "zh") == "购入"
    assert code_label("direction", "import", "en") == "import"
    assert code_label("direction", "sideways", "zh") == "sideways"  # unknown: the code, visible
    assert factor_label("diesel", "zh") == "柴油" and factor_label("limestone", "zh") == "石灰石"
    assert input_label("value_added_10k_cny of E01", "zh") == "工业增加值 of E01"
    assert rejection_label("unknown_meter: meter 'X' is not registered", "zh").startswith(
        "未登记的计量器具（或不在主题所指园区）：meter 'X'"
    )
    assert rejection_label("file not found", "zh") == "file not found"
    assert FLOW_LABEL_ZH[Flow.INTERNAL_PURCHASE] == "园区内部转供"
