"""Benchmark: clearing a call auction of the park's internal carbon market (10 k orders).

Random books (seeded): half bids, half offers, limits 60–100 CNY/t on the 0.01 tick, 1–500 t each,
one holder per order. :func:`zeropark.market.auction.clear` is timed ``--runs`` times per size and
the median printed; beside it, at the smallest size, a peer — the textbook clearing that evaluates
every candidate price by summing the book in Python (O(n²)) — on the same book, with the ratio and a
check that both found the same price and volume.

Usage::

    .venv/bin/python benchmarks/auction.py                  # 10 000 and 100 000 orders, peer at 2 000
    .venv/bin/python benchmarks/auction.py --sizes 10000 --runs 9
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from zeropark.market.auction import Order, Side, clear


def book(n: int, seed: int = 7) -> list[Order]:
    rng = random.Random(seed)
    return [
        Order(
            f"o{i}",
            f"h{i}",
            Side.BUY if i % 2 else Side.SELL,
            rng.randint(6000, 10000) / 100,
            rng.randint(1, 500),
            i,
        )
        for i in range(n)
    ]


def brute_force(orders: list[Order]) -> tuple[float | None, int]:
    """Largest volume, bids above / offers below filled, least imbalance, middle price — by sums."""
    best: list[tuple[int, int, float]] = []
    for p in sorted({o.price for o in orders}):
        d = sum(o.quantity for o in orders if o.side is Side.BUY and o.price >= p)
        s = sum(o.quantity for o in orders if o.side is Side.SELL and o.price <= p)
        above = sum(o.quantity for o in orders if o.side is Side.BUY and o.price > p)
        below = sum(o.quantity for o in orders if o.side is Side.SELL and o.price < p)
        best.append((min(d, s), abs(d - s), p) if above <= min(d, s) and below <= min(d, s) else (-1, 0, p))
    v = max((b[0] for b in best), default=0)
    if v <= 0:
        return None, 0
    at_v = [b for b in best if b[0] == v]
    imb = min(b[1] for b in at_v)
    prices = [b[2] for b in at_v if b[1] == imb]
    return (round(min(prices) * 100) + round(max(prices) * 100)) // 2 / 100, v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--peer-size", type=int, default=2_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for n in args.sizes:
        orders = book(n)
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            c = clear(orders)
            times.append(time.perf_counter() - t)
        print(
            f"{n:>7,} orders: clearing price {c.price} CNY/t, volume {c.volume:,} t, {len(c.fills):,} fills; "
            f"median {statistics.median(times) * 1000:,.1f} ms (min {min(times) * 1000:,.1f}, n={args.runs})"
        )
    orders = book(args.peer_size)
    t = time.perf_counter()
    ours = clear(orders)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    peer = brute_force(orders)
    t_peer = time.perf_counter() - t
    same = peer == (ours.price, ours.volume)
    print(
        f"{args.peer_size:,} orders, peer (sum per candidate price) {t_peer * 1000:,.0f} ms vs "
        f"{t_ours * 1000:,.1f} ms: ratio {t_peer / t_ours:,.0f}×; same price and volume: {same}"
    )


if __name__ == "__main__":
    main()
