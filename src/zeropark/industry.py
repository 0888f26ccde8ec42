"""Industries of the national classification GB/T 4754-2017《国民经济行业分类》 (行业大类).

An enterprise's ``industry_code`` is a class (4 digits, e.g. ``2651``) or a division (2 digits);
reports name it by its division (大类), e.g. ``2651`` → ``26 化学原料和化学制品制造业``. The table
lists the manufacturing divisions (13–43) and the other divisions found in industrial parks.
"""

from __future__ import annotations

from typing import Final

#: GB/T 4754-2017 divisions (大类): code → Chinese name.
DIVISIONS_ZH: Final[dict[str, str]] = {
    "13": "农副食品加工业",
    "14": "食品制造业",
    "15": "酒、饮料和精制茶制造业",
    "16": "烟草制品业",
    "17": "纺织业",
    "18": "纺织服装、服饰业",
    "19": "皮革、毛皮、羽毛及其制品和制鞋业",
    "20": "木材加工和木、竹、藤、棕、草制品业",
    "21": "家具制造业",
    "22": "造纸和纸制品业",
    "23": "印刷和记录媒介复制业",
    "24": "文教、工美、体育和娱乐用品制造业",
    "25": "石油、煤炭及其他燃料加工业",
    "26": "化学原料和化学制品制造业",
    "27": "医药制造业",
    "28": "化学纤维制造业",
    "29": "橡胶和塑料制品业",
    "30": "非金属矿物制品业",
    "31": "黑色金属冶炼和压延加工业",
    "32": "有色金属冶炼和压延加工业",
    "33": "金属制品业",
    "34": "通用设备制造业",
    "35": "专用设备制造业",
    "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业",
    "38": "电气机械和器材制造业",
    "39": "计算机、通信和其他电子设备制造业",
    "40": "仪器仪表制造业",
    "41": "其他制造业",
    "42": "废弃资源综合利用业",
    "43": "金属制品、机械和设备修理业",
    "44": "电力、热力生产和供应业",
    "45": "燃气生产和供应业",
    "46": "水的生产和供应业",
    "54": "道路运输业",
    "58": "多式联运和运输代理业",
    "59": "装卸搬运和仓储业",
    "64": "互联网和相关服务",
    "92": "公共设施管理业",
}


def industry_label(code: str) -> str:
    """``2651`` → ``2651（26 化学原料和化学制品制造业）``; an unknown division → the code as given."""
    code = code.strip()
    name = DIVISIONS_ZH.get(code[:2]) if len(code) >= 2 and code[:2].isdigit() else None
    if name is None:
        return code or "—"
    return f"{code}（{code[:2]} {name}）" if len(code) > 2 else f"{code} {name}"
