"""统一社会信用代码 (USCC, GB 32100-2015) of the demo enterprises: check characters and seeded codes.

A USCC is 18 characters: registration authority and category (2), 行政区划代码 (6), the 组织机构代码
(9, GB 11714-1997, its own check character last) and a check character. The demo's codes are
well-formed but identify nobody (示例).
"""

from __future__ import annotations

import numpy as np

from zeropark.demo.site import ADMIN_DIVISION_CODE

#: GB 32100-2015 统一社会信用代码 character set and weights (check digit, position 18).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: GB 11714-1997 组织机构代码 weights (positions 9-17 of the USCC).
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _char_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_code_check(body8: str) -> str:
    """Check character of an 8-character 组织机构代码 body (GB 11714-1997).

    C9 = 11 − (Σ wᵢ·cᵢ mod 11), with 10 → 'X' and 11 → '0'.

    Examples
    --------
    >>> org_code_check("D2143569")
    'X'
    """
    s = sum(w * _char_value(c) for w, c in zip(ORG_CODE_WEIGHTS, body8, strict=True))
    c9 = 11 - s % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def uscc_check(body17: str) -> str:
    """Check character (position 18) of a 统一社会信用代码 (GB 32100-2015).

    C18 = 31 − (Σ wᵢ·cᵢ mod 31), 31 → '0', with the 31-character set without I, O, S, V, Z.

    Examples
    --------
    >>> uscc_check("91350100M000100Y4")
    '3'
    """
    s = sum(w * USCC_CHARSET.index(c) for w, c in zip(USCC_WEIGHTS, body17, strict=True))
    return USCC_CHARSET[(31 - s % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """Whether ``code`` is an 18-character USCC with correct check characters."""
    if len(code) != 18 or any(c not in USCC_CHARSET for c in code):
        return False
    org = code[8:17]
    if not org[:8].isalnum() or org_code_check(org[:8]) != org[8]:
        return False
    return uscc_check(code[:17]) == code[17]


def make_uscc(rng: np.random.Generator) -> str:
    """A valid-format USCC (registration 9 = 工商, category 1 = enterprise, 常州武进).

    The organisation code body starts with "MA" like codes issued since 2015 and is otherwise
    random, so the code is well-formed but identifies nobody (示例).
    """
    digits = "0123456789"
    alnum = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "MA" + "".join(alnum[i] for i in rng.integers(0, len(alnum), 5)) + digits[rng.integers(0, 10)]
    org = body + org_code_check(body)
    head = "91" + ADMIN_DIVISION_CODE + org
    return head + uscc_check(head)
