"""Split an amount by weight, exact to the fen (no Django imports here)."""

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

FEN = Decimal("0.01")


def _as_integers(weights: Sequence[Decimal]) -> list[int]:
    """Scale weights to integers with the same ratios."""
    fractions = [Fraction(w) for w in weights]
    common = math.lcm(*(f.denominator for f in fractions))
    return [f.numerator * (common // f.denominator) for f in fractions]


def split_by_weight(
    total: Decimal, weights: Sequence[Decimal], tie_keys: Sequence[str]
) -> list[Decimal]:
    """Split total into shares proportional to weights, exact to the fen.

    Largest-remainder rounding: every share is first rounded down to the
    fen, then the fen left over go one each to the shares with the largest
    remainders, ties broken by tie_keys in ascending order. Raise ValueError
    for an empty or non-positive weight.
    """
    if not weights or any(w <= 0 for w in weights):
        raise ValueError("weights must be a non-empty list of positive numbers")
    total_fen = int((total / FEN).to_integral_exact())
    scaled = _as_integers(weights)
    weight_sum = sum(scaled)
    floors, remainders = zip(
        *(divmod(total_fen * w, weight_sum) for w in scaled), strict=True
    )
    shares = list(floors)

    left_over = total_fen - sum(shares)
    by_remainder = sorted(
        range(len(shares)), key=lambda i: (-remainders[i], tie_keys[i])
    )
    for i in by_remainder[:left_over]:
        shares[i] += 1
    return [Decimal(fen) * FEN for fen in shares]
