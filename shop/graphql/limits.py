"""Limits a partner API request must pass before anything is executed.

Depth and aliases are measured on the parsed document before graphql-core's
own validation, whose overlapping-fields rule is quadratic in the number of
aliases; the cost is measured after it, when every field and fragment is known
to exist. None of them touches the database.
"""

import math
import time
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_object_type,
)

from shop.graphql.auth import identify
from shop.graphql.connections import check_page_size
from shop.partners.models import PartnerApp


class LimitCode(StrEnum):
    """Codes, in an error's `extensions.code`, of a refused request."""

    DEPTH_LIMIT_EXCEEDED = "DEPTH_LIMIT_EXCEEDED"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    COST_LIMIT_EXCEEDED = "COST_LIMIT_EXCEEDED"
    BATCH_NOT_ALLOWED = "BATCH_NOT_ALLOWED"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


def limit_error(message: str, code: LimitCode) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value})


MAX_DEPTH = 10
MAX_ALIASES = 100
DEFAULT_MAX_COST = 10_000
DEFAULT_RATE_LIMIT = "600/minute"
RATE_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def max_cost() -> int:
    return getattr(settings, "GRAPHQL_MAX_COST", DEFAULT_MAX_COST)


def max_page_size() -> int:
    return getattr(settings, "GRAPHQL_MAX_PAGE_SIZE", 100)


def _is_introspection(field: FieldNode) -> bool:
    return field.name.value.startswith("__")


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


class _DepthMeter:
    """Measure selection-set depth, following fragments once each.

    A fragment's depth does not depend on where it is spread, so it is
    measured once; a cycle counts as zero here and is refused by the
    validation that follows.
    """

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = _fragments(document)
        self.known: dict[str, int] = {}
        self.open: set[str] = set()

    def selection_depth(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                # Introspection (GraphiQL's schema query nests `ofType`
                # deeper than any data query may) reads no data.
                if not _is_introspection(selection):
                    depth = 1 + self.selection_depth(selection.selection_set)
                    deepest = max(deepest, depth)
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.selection_depth(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self.fragment_depth(selection.name.value))
        return deepest

    def fragment_depth(self, name: str) -> int:
        if name in self.known:
            return self.known[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.open:
            return 0
        self.open.add(name)
        self.known[name] = self.selection_depth(fragment.selection_set)
        self.open.discard(name)
        return self.known[name]


def document_depth(document: DocumentNode) -> int:
    """Return the deepest selection of any operation of document."""
    meter = _DepthMeter(document)
    return max(
        (
            meter.selection_depth(definition.selection_set)
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ),
        default=0,
    )


def alias_count(document: DocumentNode) -> int:
    """Return how many fields of document have an alias, fragments included."""
    count = 0

    def walk(selection_set: SelectionSetNode | None) -> None:
        nonlocal count
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.alias is not None:
                count += 1
            walk(getattr(selection, "selection_set", None))

    for definition in document.definitions:
        walk(getattr(definition, "selection_set", None))
    return count


def check_shape(document: DocumentNode) -> list[GraphQLError]:
    """Return errors for a document too deep or with too many aliases."""
    errors = []
    depth = document_depth(document)
    if depth > MAX_DEPTH:
        errors.append(
            limit_error(
                f"The query is {depth} levels deep; the depth limit is {MAX_DEPTH}.",
                LimitCode.DEPTH_LIMIT_EXCEEDED,
            )
        )
    aliases = alias_count(document)
    if aliases > MAX_ALIASES:
        errors.append(
            limit_error(
                f"The query has {aliases} aliases; the limit is {MAX_ALIASES} "
                "per request.",
                LimitCode.TOO_MANY_ALIASES,
            )
        )
    return errors


class _CostMeter:
    """Price an operation: 1 per object field, times the enclosing pages.

    A connection's `edges` (and everything under them) are priced once per
    item of the page the connection asks for (`first` or `last`, read from
    the request's variables when given as one); a page size outside 1 to
    the maximum is priced at the maximum, and the request is refused. Each
    fragment is priced once per page size, so spreading a fragment many
    times costs no more work than pricing it once.
    """

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: dict
    ) -> None:
        self.schema = schema
        self.fragments = _fragments(document)
        self.variables = variables or {}
        self.known: dict[tuple[str, int], int] = {}
        self.page_errors: list[GraphQLError] = []

    def selection_cost(self, selection_set, parent_type, page_size: int = 1) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(selection, parent_type, page_size)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_type = (
                    self.schema.get_type(condition.name.value)
                    if condition
                    else parent_type
                )
                total += self.selection_cost(
                    selection.selection_set, fragment_type, page_size
                )
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment_cost(selection.name.value, page_size)
        return total

    def fragment_cost(self, name: str, page_size: int) -> int:
        # A fragment on a connection may select `edges`, whose price depends
        # on the page the connection asked for.
        key = (name, page_size)
        if key not in self.known:
            fragment = self.fragments[name]
            fragment_type = self.schema.get_type(fragment.type_condition.name.value)
            self.known[key] = self.selection_cost(
                fragment.selection_set, fragment_type, page_size
            )
        return self.known[key]

    def field_cost(self, field: FieldNode, parent_type, page_size: int) -> int:
        if _is_introspection(field) or field.selection_set is None:
            return 0
        definition = parent_type.fields[field.name.value]
        field_type = get_named_type(definition.type)
        multiplier = page_size if field.name.value == "edges" else 1
        child_page = 1
        if is_object_type(field_type) and self.is_connection(field_type):
            child_page = self.page_size(field)
        children = self.selection_cost(field.selection_set, field_type, child_page)
        return multiplier * (1 + children)

    @staticmethod
    def is_connection(object_type) -> bool:
        return "edges" in object_type.fields and "pageInfo" in object_type.fields

    def page_size(self, field: FieldNode) -> int:
        sizes = {
            argument.name.value: self.argument_value(argument.value)
            for argument in field.arguments
            if argument.name.value in ("first", "last")
        }
        limit = max_page_size()
        try:
            check_page_size(sizes, field_name=field.name.value, max_limit=limit)
        except GraphQLError as refused:
            self.page_errors.append(
                GraphQLError(
                    refused.message, nodes=[field], extensions=refused.extensions
                )
            )
            return limit
        size = sizes.get("first") or sizes.get("last")
        return size if isinstance(size, int) else limit

    def argument_value(self, value):
        if isinstance(value, VariableNode):
            return self.variables.get(value.name.value)
        if isinstance(value, IntValueNode):
            return int(value.value)
        return None


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict | None,
) -> tuple[int, list[GraphQLError]]:
    """Return the cost of operation of a validated document, and page errors.

    The errors are those of connections without `first` or `last`, or with
    a page size out of range; such a page is priced at the maximum.
    """
    meter = _CostMeter(schema, document, variables or {})
    root_type = schema.get_root_type(operation.operation)
    cost = meter.selection_cost(operation.selection_set, root_type)
    return cost, meter.page_errors


def cost_error(cost: int) -> GraphQLError:
    return limit_error(
        f"The query would cost {cost}; the limit is {max_cost()}. Ask for "
        "smaller pages (`first`/`last`) or fewer nested connections.",
        LimitCode.COST_LIMIT_EXCEEDED,
    )


@dataclass(frozen=True)
class RateVerdict:
    is_allowed: bool
    limit: int
    retry_after: int


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (requests, seconds) of a rate such as "600/minute"."""
    count, period = rate.split("/")
    return int(count), RATE_PERIODS[period.strip()]


def client_key(request) -> str:
    """Return whom request is counted against: its partner app, else its IP.

    A request whose token is refused counts against its IP, so guessing
    tokens is limited too.
    """
    app = identify(request)
    if isinstance(app, PartnerApp):
        return f"app:{app.pk}"
    # REMOTE_ADDR only: X-Forwarded-For is the client's to forge.
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def hit_rate_limit(request) -> RateVerdict:
    """Count request in its client's fixed window and say if it may go on."""
    limit, period = parse_rate(
        getattr(settings, "GRAPHQL_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    )
    now = time.time()
    window = int(now // period)
    key = f"graphql-rate:{client_key(request)}:{period}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window expired between add and incr: this is its first hit.
        cache.set(key, 1, timeout=period + 1)
        count = 1
    retry_after = max(1, math.ceil((window + 1) * period - now))
    return RateVerdict(count <= limit, limit, retry_after)


def rate_error(verdict: RateVerdict) -> GraphQLError:
    return limit_error(
        f"More than {verdict.limit} requests in this period; retry in "
        f"{verdict.retry_after} seconds.",
        LimitCode.RATE_LIMITED,
    )
