"""统一社会信用代码 (USCC, GB 32100-2015): check characters, and what is wrong with a code, in words.

A USCC is 18 characters: registration authority and category (2), 行政区划代码 (6), the 组织机构代码
(9, GB 11714-1997, its own check character last) and a check character (position 18). The park
register (:mod:`zeropark.ingest.register`) and the demo (:mod:`zeropark.demo.uscc`) check codes here.
"""

from __future__ import annotations

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
    return uscc_problem(code) is None


def uscc_problem(code: str) -> str | None:
    """What is wrong with ``code`` as a USCC, in words (``None``: a well-formed code).

    Examples
    --------
    >>> uscc_problem("91350100M000100Y43") is None
    True
    >>> uscc_problem("91350100M000100Y44")
    "check character (18th) is '4', expected '3' (GB 32100-2015); check the code on the business licence"
    """
    if len(code) != 18:
        return f"has {len(code)} characters; a USCC has 18 (GB 32100-2015)"
    bad = sorted({c for c in code if c not in USCC_CHARSET})
    if bad:
        return (
            f"character(s) {', '.join(repr(c) for c in bad)} cannot occur in a USCC "
            "(digits and upper-case letters without I, O, S, V, Z)"
        )
    org = code[8:17]
    if org_code_check(org[:8]) != org[8]:
        return (
            f"organisation code check character (17th) is '{org[8]}', expected '{org_code_check(org[:8])}' "
            "(GB 11714-1997); check the code on the business licence"
        )
    expected = uscc_check(code[:17])
    if expected != code[17]:
        return (
            f"check character (18th) is '{code[17]}', expected '{expected}' (GB 32100-2015); "
            "check the code on the business licence"
        )
    return None
