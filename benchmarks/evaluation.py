"""Scoring speed of the built-in evaluation frameworks (pure core, no database).

Parses each built-in framework and scores it on a full set of catalogue values (every value present,
100 line ids each) N times; prints the time per parse and per score, and the ratio between them.

    PYTHONPATH=src .venv/bin/python benchmarks/evaluation.py
"""

from __future__ import annotations

import time

from zeropark.evaluation.builtin import builtin_frameworks
from zeropark.evaluation.catalogue import INDICATORS, Measure
from zeropark.evaluation.rubric import parse_framework
from zeropark.evaluation.scoring import Declaration, score

N = 200


def main() -> None:
    values = {
        code: Measure(
            code, 250_000.0 if code == "energy_tce" else 0.5, line_ids=tuple(f"L{i}" for i in range(100))
        )
        for code in INDICATORS
    }
    for fw in builtin_frameworks():
        declared = {i.code: Declaration(True, ("DOC-1",)) for i in fw.items if i.kind == "declared"}
        t0 = time.perf_counter()
        for _ in range(N):
            parse_framework(fw.text)
        parse_ms = (time.perf_counter() - t0) / N * 1000
        t0 = time.perf_counter()
        for _ in range(N):
            card = score(fw, values, subject=fw.subjects[0], declarations=declared)
        score_ms = (time.perf_counter() - t0) / N * 1000
        print(
            f"{fw.code:28s} items {len(fw.items):2d}  parse {parse_ms:7.2f} ms  score {score_ms:7.2f} ms  "
            f"parse/score {parse_ms / score_ms:5.1f}  score={card.score} grade={card.grade}"
        )


if __name__ == "__main__":
    main()
