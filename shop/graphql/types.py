"""Types shared by every domain's part of the schema."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import graphene

CENT = Decimal("0.01")


@dataclass(frozen=True)
class MoneyValue:
    amount: Decimal
    currency: str


class Money(graphene.ObjectType):
    class Meta:
        description = (
            "An amount of money. The amount is a string with exactly two "
            "decimals so that no client rounds it through a float."
        )

    amount = graphene.String(
        required=True,
        description='Amount in the currency\'s main unit, e.g. "10.00" for ¥10.',
    )
    currency = graphene.String(
        required=True, description='ISO 4217 currency code; always "CNY" here.'
    )

    @staticmethod
    def resolve_amount(root: MoneyValue, info) -> str:
        return f"{root.amount.quantize(CENT, rounding=ROUND_HALF_UP):f}"

    @staticmethod
    def resolve_currency(root: MoneyValue, info) -> str:
        return root.currency
