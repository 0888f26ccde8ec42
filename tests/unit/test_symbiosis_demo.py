"""The demo's declared symbiosis registry (示例数据): the example's parties become the demo park's."""

from __future__ import annotations

from zeropark.demo.symbiosis import demo_registry
from zeropark.model import Enterprise
from zeropark.services.symbiosis import example_registry, parse_registry


def test_demo_registry_names_the_demo_parties() -> None:
    ents = (
        Enterprise("ZP-F-CHP", "ZP", "热电", "x", "4411", None, True),
        Enterprise("ZP-F-WWTP", "ZP", "污水厂", "x", "4620", None, True),
        *(Enterprise(f"ZP-T{i}", "ZP", f"T{i}", "x", "2614") for i in range(3)),
    )
    reg = demo_registry(example_registry(), ents)
    parties = {s["id"]: s.get("enterprise_id") for s in (*reg["sources"], *reg["sinks"])}
    assert parties == {
        "incinerator-steam": "ZP-F-CHP",
        "steel-slag": "ZP-T0",
        "wwtp-reclaimed": "ZP-F-WWTP",
        "paper-dryer": "ZP-T1",
        "cement-mill": "ZP-T2",
        "cooling-tower": "ZP-T0",
    }
    assert all("示例数据" in s["name"] for s in (*reg["sources"], *reg["sinks"]))
    parsed = parse_registry(reg, "demo")  # the core's rules accept it
    assert [a.exchange.id for a in parsed.exchanges] == ["X1", "X3"]
