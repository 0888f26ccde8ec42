"""The zh/en message catalogue covers every label the templates use (zeropark.web.i18n)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zeropark import i18n

TEMPLATES = Path(i18n.__file__).resolve().parent / "templates"
# t('key') and t("key") with a literal key; dynamic keys (t('role_' ~ x)) are listed below
LITERAL_KEY = re.compile(r"""\bt\(\s*['"]([a-z0-9_]+)['"]""")
DYNAMIC = {
    "role_": ["admin", "park_manager", "enterprise", "verifier", "device", "province", "group"],
    "state_": ["open", "acknowledged", "closed"],
    "kind_": ["threshold", "missing_data", "imbalance", "indicator", "enterprise_workbook", "readings"],
    "severity_": ["info", "warning", "critical"],
    "by_": ["source", "scope", "enterprise", "carrier", "month"],
    "method_": ["national", "ghg"],
}


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        keys |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    for prefix, names in DYNAMIC.items():
        keys |= {prefix + n for n in names}
    return keys


def test_every_template_label_has_chinese_and_english() -> None:
    used = {k for k in _used_keys() if not k.endswith("_")}  # prefixes of dynamic keys
    missing = sorted(k for k in used if k not in i18n.MESSAGES and k not in i18n.CATEGORY_LABELS)
    assert not missing, f"labels without a catalogue entry: {missing}"


@pytest.mark.parametrize("key", sorted(i18n.MESSAGES))
def test_each_message_has_both_languages(key: str) -> None:
    zh, en = i18n.MESSAGES[key]
    assert zh.strip() and en.strip()
    # the same placeholders in both languages, so formatting never fails in one of them
    assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en))


def test_units_are_the_same_in_both_languages() -> None:
    for key, (zh, en) in i18n.MESSAGES.items():
        for unit in ("tCO2", "tce", "MWh", "kW"):
            assert (unit in zh) == (unit in en), (key, unit)


def test_language_selection_defaults_to_chinese() -> None:
    assert i18n.normalise_lang(None) == "zh"
    assert i18n.normalise_lang("en-US") == "en"
    assert i18n.normalise_lang("fr") == "zh"
    assert i18n.translate("nav_overview", "zh") == "总览"
    assert i18n.translate("nav_overview", "en") == "Overview"
    assert i18n.translate("rpt_cover_title", "zh", year=2025) == "2025 年度园区碳排放报告"


def test_carrier_labels() -> None:
    assert i18n.carrier_label("natural_gas", "zh") == "天然气"
    assert i18n.carrier_label("natural_gas", "en") == "natural gas"
    assert i18n.carrier_label("unknown", "zh") == "unknown"
