"""示例数据 the demo park's declared symbiosis registry: a few sources, sinks and realised exchanges.

The registry of ``zeropark symbiosis example`` (its figures and their sources are documented there
and in docs/symbiosis.md) given to the demo park's parties: the CHP plant's surplus steam, a
tenant's slag, the wastewater plant's reclaimed water; two tenants' steam and cooling-water
demand and a cement mill. Every row is declared (申报) and stored with the note 示例数据. No
matching is run while the demo is built (cheap); ``zeropark symbiosis match`` runs it.
"""

from __future__ import annotations

from typing import Any

from zeropark.model import Enterprise

#: The note the demo's registry rows carry.
DEMO_NOTE = "示例数据"

#: Demo names of the example's entries (the example's parties are an incinerator and a paper mill).
NAMES = {
    "incinerator-steam": "热电联产余汽（示例数据）",
    "steel-slag": "炉渣（示例数据）",
    "wwtp-reclaimed": "污水厂再生水（示例数据）",
    "paper-dryer": "工艺用汽（示例数据）",
    "cement-mill": "建材厂掺合料（示例数据）",
    "cooling-tower": "循环冷却补水（示例数据）",
}


def demo_registry(example: dict[str, Any], enterprises: tuple[Enterprise, ...]) -> dict[str, Any]:
    """The example registry with the demo park's enterprises as its parties (pure).

    E01 (the steam source) → the CHP plant; the reclaimed water → the wastewater plant; E02, E03,
    E04 → the first three tenants.
    """
    facilities = {e.id.rsplit("-F-", 1)[-1]: e.id for e in enterprises if e.is_public_facility}
    tenants = [e.id for e in enterprises if not e.is_public_facility]
    parties = {
        "E01": facilities.get("CHP", tenants[0]),
        "E02": tenants[0],
        "E03": tenants[1 % len(tenants)],
        "E04": tenants[2 % len(tenants)],
    }
    reg = {k: v for k, v in example.items() if k != "note"}
    for item in (*reg["sources"], *reg["sinks"]):
        item["name"] = NAMES.get(item["id"], item.get("name", ""))
        if item.get("enterprise_id"):
            item["enterprise_id"] = parties[item["enterprise_id"]]
        elif item["id"] == "wwtp-reclaimed" and "WWTP" in facilities:
            item["enterprise_id"] = facilities["WWTP"]
        item["basis"] = "declared"
    # the slag exchange is left for the matching to suggest
    reg["exchanges"] = [x for x in reg["exchanges"] if x["exchange"]["id"] != "X2"]
    return reg
