"""The typed errors of the listing mutations, and turning problems into them.

A refused change is reported in the payload's `errors`, never as a
top-level error, and the mutation's transaction is rolled back.
"""

from collections.abc import Sequence
from dataclasses import replace

import graphene
from graphene.utils.str_converters import to_camel_case
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphql import GraphQLError

from catalog.listings import ListingRejected, Problem, ProblemCode, item_count_problem
from shop.graphql.errors import MutationError
from shop.graphql.ids import decode_global_id


class ListingErrorCode(graphene.Enum):
    class Meta:
        description = "Why a listing mutation refused an input."

    NOT_FOUND = ProblemCode.NOT_FOUND.value
    INVALID_ID = "INVALID_ID"
    INVALID = ProblemCode.INVALID.value
    DUPLICATE = ProblemCode.DUPLICATE.value
    BELOW_ALLOCATED = ProblemCode.BELOW_ALLOCATED.value
    TOO_MANY_ITEMS = ProblemCode.TOO_MANY_ITEMS.value
    NO_STOCKRECORD = ProblemCode.NO_STOCKRECORD.value
    SKU_TAKEN = ProblemCode.SKU_TAKEN.value

    @property
    def description(self) -> str:
        return {
            ListingErrorCode.NOT_FOUND: "Nothing of that id, slug or code is "
            "yours to use: a product that does not exist and another "
            "producer's product are refused alike.",
            ListingErrorCode.INVALID_ID: "Not a product id as returned in "
            "`Listing.id` or `Product.id`.",
            ListingErrorCode.INVALID: "A value out of range, empty, malformed "
            "or not allowed; the message says which.",
            ListingErrorCode.DUPLICATE: "The same product twice in one list.",
            ListingErrorCode.BELOW_ALLOCATED: "A stock level below the units "
            "already allocated to orders.",
            ListingErrorCode.TOO_MANY_ITEMS: "More items than one request may "
            "change (500).",
            ListingErrorCode.NO_STOCKRECORD: "The product has no stockrecord "
            "of its producer, so no stock or price to change.",
            ListingErrorCode.SKU_TAKEN: "Another of the producer's products has "
            "this SKU.",
        }[self]


class ListingError(MutationError):
    class Meta:
        description = "Why a listing mutation refused an input; nothing was changed."

    code = graphene.Field(
        ListingErrorCode, required=True, description="What kind of problem it is."
    )


def listing_error(problem: Problem, *, prefix: str = "input") -> ListingError:
    """Return the API error of problem, its field a path under prefix."""
    parts = [prefix]
    if problem.index is not None:
        parts.append(str(problem.index))
    if problem.field is not None:
        parts.append(to_camel_case(problem.field))
    return ListingError(
        field=".".join(parts), code=problem.code.value, message=problem.message
    )


def refused(info, errors: list[ListingError]) -> list[ListingError]:
    """Mark the request so that its mutation is rolled back; return errors."""
    setattr(info.context, MUTATION_ERRORS_FLAG, True)
    return errors


def decode_product(value: str, *, field: str) -> tuple[int | None, ListingError | None]:
    """Return the product id inside a global id, or the error refusing it."""
    try:
        return decode_global_id(value, type_name="Product", argument=field), None
    except GraphQLError as error:
        return None, ListingError(
            field=field, code=ListingErrorCode.INVALID_ID.value, message=error.message
        )


def bulk_change(
    items: Sequence, *, build, check, apply
) -> tuple[list | None, list[ListingError]]:
    """Apply a bulk input whole, or report every problem of every item.

    build(item, pk) makes the service's item of an input item; apply
    writes them all or raises ListingRejected, check only finds their
    problems. An item whose product id cannot be decoded is refused here,
    and then the others are only checked, so that all errors come back
    together. Return (what apply returned, []) or (None, errors in order).
    """
    too_many = item_count_problem(len(items))
    if too_many is not None:
        return None, [listing_error(too_many)]

    positions, changes, errors = [], [], []
    for index, item in enumerate(items):
        pk, error = decode_product(item.product, field=f"input.{index}.product")
        if error is None:
            positions.append(index)
            changes.append(build(item, pk))
        else:
            errors.append((index, error))

    if errors:
        problems = check(changes)
    else:
        try:
            return apply(changes), []
        except ListingRejected as rejected:
            problems = rejected.problems
    errors += [_located(problem, positions) for problem in problems]
    return None, [error for _, error in sorted(errors, key=lambda pair: pair[0])]


def _located(problem: Problem, positions: list[int]) -> tuple[int, ListingError]:
    """Return problem's error, its item's position in the whole input."""
    if problem.index is None:
        return -1, listing_error(problem)
    index = positions[problem.index]
    return index, listing_error(replace(problem, index=index))
