"""Relay connections under the partner API's page-size rule.

Every connection needs `first` or `last`, each from 1 to the
RELAY_CONNECTION_MAX_LIMIT setting (100). graphene-django checks the same
with assert statements, which `python -O` strips, after which it silently
truncates the page to the limit; the check here raises in every mode.
"""

import re

import graphene
from graphene_django import DjangoConnectionField
from graphene_django.settings import graphene_settings

from shop.graphql.errors import ErrorCode, api_error


class CountableConnection(graphene.relay.Connection):
    """A Relay connection that also reports how many items there are."""

    class Meta:
        abstract = True

    total_count = graphene.Int(
        required=True, description="Number of items on all pages together."
    )

    @classmethod
    def __init_subclass_with_meta__(cls, name=None, description=None, **options):
        if description is None:
            item = re.sub("Connection$", "", name or cls.__name__)
            description = (
                f"A page of `{item}` items with their cursors, where the page "
                "sits, and the total count."
            )
        super().__init_subclass_with_meta__(
            name=name, description=description, **options
        )

    @staticmethod
    def resolve_total_count(root, info) -> int:
        # Set by DjangoConnectionField from the count it already ran.
        return root.length


def _page_arguments(max_limit: int) -> dict[str, graphene.Argument]:
    return {
        "first": graphene.Int(
            description=(
                f"Return the first n items after `after`, 1 to {max_limit}. "
                "`first` or `last` is required."
            )
        ),
        "after": graphene.String(
            description="Return items after this cursor (`pageInfo.endCursor`)."
        ),
        "last": graphene.Int(
            description=(
                f"Return the last n items before `before`, 1 to {max_limit}. "
                "`first` or `last` is required."
            )
        ),
        "before": graphene.String(
            description="Return items before this cursor (`pageInfo.startCursor`)."
        ),
    }


def check_page_size(args: dict, *, field_name: str, max_limit: int) -> None:
    """Raise a GraphQLError unless first or last is given, 1 to max_limit."""
    if args.get("first") is None and args.get("last") is None:
        raise api_error(
            f"Pass `first` or `last` (1 to {max_limit}) to page through "
            f"`{field_name}`.",
            ErrorCode.PAGE_SIZE_REQUIRED,
        )
    for name, onward in (("first", "after"), ("last", "before")):
        size = args.get(name)
        if size is not None and not 1 <= size <= max_limit:
            raise api_error(
                f"`{name}` on `{field_name}` must be from 1 to {max_limit}, not "
                f"{size}; ask for more pages with `{onward}`.",
                ErrorCode.PAGE_SIZE_OUT_OF_RANGE,
            )


class LimitedConnectionField(DjangoConnectionField):
    """A DjangoConnectionField that refuses pages it cannot serve whole."""

    def __init__(self, type_, *args, **kwargs):
        max_limit = kwargs.setdefault(
            "max_limit", graphene_settings.RELAY_CONNECTION_MAX_LIMIT
        )
        kwargs.setdefault("enforce_first_or_last", True)
        for name, argument in _page_arguments(max_limit).items():
            kwargs.setdefault(name, argument)
        super().__init__(type_, *args, **kwargs)
        # Offset paging would bypass cursors; the partner API has none.
        self.args.pop("offset", None)

    @classmethod
    def connection_resolver(
        cls,
        resolver,
        connection,
        default_manager,
        queryset_resolver,
        max_limit,
        enforce_first_or_last,
        root,
        info,
        **args,
    ):
        check_page_size(args, field_name=info.field_name, max_limit=max_limit)
        return super().connection_resolver(
            resolver,
            connection,
            default_manager,
            queryset_resolver,
            max_limit,
            enforce_first_or_last,
            root,
            info,
            **args,
        )
