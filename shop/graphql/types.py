"""Types shared by every domain's part of the schema."""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import graphene
from graphql import (
    FloatValueNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    StringValueNode,
)

CENT = Decimal("0.01")


def selects(info, *path: str) -> bool:
    """Return whether the query selects path below the field being resolved.

    Fragments are followed, so `products { edges { ...Card } }` selects
    ("edges", "node", "title") when Card does.
    """
    return any(
        _selects(node.selection_set, path, info.fragments) for node in info.field_nodes
    )


def _selects(selection_set, path, fragments) -> bool:
    if not path:
        return True
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            found = fragment is not None and _selects(
                fragment.selection_set, path, fragments
            )
        elif isinstance(selection, InlineFragmentNode):
            found = _selects(selection.selection_set, path, fragments)
        else:
            found = selection.name.value == path[0] and _selects(
                selection.selection_set, path[1:], fragments
            )
        if found:
            return True
    return False


def enum_value(member):
    """Return the value of a graphene enum argument.

    graphene passes an enum the client named as its member, and a default
    value as it was declared; both end up as the plain value.
    """
    return getattr(member, "value", member)


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


AMOUNT = re.compile(r"\d{1,10}(\.\d{1,2})?")


def _amount_error(value) -> GraphQLError:
    if isinstance(value, float):
        reason = (
            f"got the number {value!r}, and a float cannot always hold an "
            "amount exactly"
        )
    else:
        reason = f"got {value!r}"
    return GraphQLError(
        "An amount is a string of yuan with at most two decimals, such as "
        f'"12.50"; {reason}.',
        extensions={"code": "INVALID_AMOUNT"},
    )


class DecimalAmount(graphene.Scalar):
    """An amount of yuan given as a string with at most two decimals.

    Numbers are refused, floats above all: 0.1 + 0.2 is not 0.3 in a float,
    and the ledger must add up to the fen.
    """

    @staticmethod
    def serialize(value: Decimal) -> str:
        return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"

    @staticmethod
    def parse_value(value) -> Decimal:
        if not isinstance(value, str) or not AMOUNT.fullmatch(value):
            raise _amount_error(value)
        return Decimal(value)

    @classmethod
    def parse_literal(cls, node, _variables=None) -> Decimal:
        if isinstance(node, StringValueNode):
            return cls.parse_value(node.value)
        if isinstance(node, FloatValueNode):
            raise _amount_error(float(node.value))
        raise _amount_error(getattr(node, "value", None))
