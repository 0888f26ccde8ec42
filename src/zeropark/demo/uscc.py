"""统一社会信用代码 (USCC, GB 32100-2015) of the demo enterprises: seeded, well-formed codes.

The check characters are computed by :mod:`zeropark.ingest.uscc` (the one USCC rule of the
platform). The demo's codes are well-formed but identify nobody (示例).
"""

from __future__ import annotations

import numpy as np

from zeropark.demo.site import ADMIN_DIVISION_CODE
from zeropark.ingest.uscc import (
    ORG_CODE_WEIGHTS,
    USCC_CHARSET,
    USCC_WEIGHTS,
    is_valid_uscc,
    org_code_check,
    uscc_check,
)

__all__ = [
    "ORG_CODE_WEIGHTS",
    "USCC_CHARSET",
    "USCC_WEIGHTS",
    "is_valid_uscc",
    "make_uscc",
    "org_code_check",
    "uscc_check",
]


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
