"""How fast a line's amount is split across its households.

Prints, for several household counts, splits per second and the time of one
split. The split runs inside every order placement, once per line.
"""

import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fulfillment.splitting import split_by_weight  # noqa: E402


def measure(households: int, rounds: int) -> float:
    rng = random.Random(households)
    weights = [Decimal(rng.randint(1, 3000)) / 1000 for _ in range(households)]
    keys = [f"{i:012d}" for i in range(households)]
    total = Decimal("9876.54")
    start = time.perf_counter()
    for _ in range(rounds):
        shares = split_by_weight(total, weights, keys)
    elapsed = time.perf_counter() - start
    assert sum(shares) == total
    return elapsed / rounds


def main() -> None:
    print(f"{'households':>10} {'ms per split':>14} {'splits/s':>10}")
    for households, rounds in ((3, 20000), (30, 5000), (300, 500), (10000, 10)):
        seconds = measure(households, rounds)
        print(f"{households:>10} {seconds * 1000:>14.3f} {1 / seconds:>10.0f}")


if __name__ == "__main__":
    main()
