"""The /graphql/ endpoint, with GraphiQL served from our own static files.

Before a query runs, the view refuses it when its client is over the rate
limit, when it is a batch, and when it is too deep, has too many aliases or
would cost too much, or when a connection lacks a page size or asks for
more than 100 (see limits.py); none of this touches the database.
"""

import json
import logging

from django.db import connection, transaction
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
)
from django.utils import translation
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from shop.graphql import limits
from shop.graphql.limits import LimitCode

logger = logging.getLogger(__name__)


class LimitRefused(HttpError):
    """An HTTP refusal carrying the GraphQL error to answer with."""

    def __init__(self, response: HttpResponse, error: GraphQLError) -> None:
        super().__init__(response, error.message)
        self.error = error


class ShopGraphQLView(GraphQLView):
    # The stock template loads GraphiQL from a CDN; ours serves the same
    # bundles from /static/ so the IDE works without internet access.
    graphiql_template = "graphene/graphiql_local.html"

    def dispatch(self, request, *args, **kwargs):
        verdict = limits.hit_rate_limit(request)
        if not verdict.is_allowed:
            response = HttpResponse(status=429, content_type="application/json")
            response["Retry-After"] = str(verdict.retry_after)
            body = {"errors": [limits.rate_error(verdict).formatted]}
            response.content = json.dumps(body)
            return response
        return super().dispatch(request, *args, **kwargs)

    def parse_body(self, request):
        if self.get_content_type(request) == "application/json":
            count = _batch_size(request.body)
            if count is not None:
                error = limits.limit_error(
                    "Batched requests (a JSON list of operations) are not "
                    f"accepted; this one had {count}. Send one operation "
                    "per request.",
                    LimitCode.BATCH_NOT_ALLOWED,
                )
                raise LimitRefused(HttpResponseBadRequest(), error)
        return super().parse_body(request)

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        if not query:
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
        try:
            document = parse(query)
        except GraphQLError as error:
            return ExecutionResult(errors=[error])

        operation = get_operation_ast(document, operation_name)
        if _is_mutation_over_get(request, operation):
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"], "Mutations are accepted in POST requests only."
                )
            )

        errors = self.refusals(request, document, operation, variables)
        if errors:
            return ExecutionResult(errors=errors)
        return self.execute_document(request, document, operation, variables)

    def refusals(self, request, document, operation, variables) -> list:
        """Return why document may not run, recording its cost if it may."""
        schema = self.schema.graphql_schema
        # Depth and aliases first: the stock validation is slow on a
        # document built to abuse it.
        errors = limits.check_shape(document) or validate(
            schema,
            document,
            self.validation_rules,
            graphene_settings.MAX_VALIDATION_ERRORS,
        )
        if errors or operation is None:
            return errors
        cost, page_errors = limits.operation_cost(
            schema, document, operation, variables
        )
        if page_errors:
            return page_errors
        if cost > limits.max_cost():
            return [limits.cost_error(cost)]
        request.graphql_cost = {"requested": cost, "limit": limits.max_cost()}
        return []

    def execute_document(self, request, document, operation, variables):
        options = {
            "root_value": self.get_root_value(request),
            "context_value": self.get_context(request),
            "variable_values": variables,
            "operation_name": operation.name.value if operation.name else None,
            "middleware": self.get_middleware(request),
        }
        if self.execution_context_class:
            options["execution_context_class"] = self.execution_context_class
        schema = self.schema.graphql_schema
        # Messages for partners' developers are in English, whatever the
        # storefront's language; the catalogue's own data stays Chinese.
        try:
            with translation.override("en"):
                return self._execute(request, schema, document, operation, options)
        except Exception as error:
            return ExecutionResult(errors=[error])

    @staticmethod
    def _execute(request, schema, document, operation, options):
        if operation.operation == OperationType.MUTATION and _atomic_mutations():
            with transaction.atomic():
                result = execute(schema, document, **options)
                if getattr(request, MUTATION_ERRORS_FLAG, False) is True:
                    transaction.set_rollback(True)
            return result
        return execute(schema, document, **options)

    def json_encode(self, request, d, pretty=False):
        cost = getattr(request, "graphql_cost", None)
        if cost is not None and "data" in d:
            d = {**d, "extensions": {"cost": cost}}
        return super().json_encode(request, d, pretty)

    @staticmethod
    def format_error(error):
        if isinstance(error, LimitRefused):
            return error.error.formatted
        if isinstance(error, GraphQLError) and not _is_unexpected(error):
            return error.formatted
        if isinstance(error, HttpError):
            return {"message": error.message}
        logger.error(
            "graphql unexpected error path=%s",
            getattr(error, "path", None),
            exc_info=getattr(error, "original_error", None) or error,
        )
        # Not even with DEBUG: a partner trying the demo shop should not
        # read SQL or module names either. The log has the traceback.
        formatted = {"message": "Internal error"}
        if isinstance(error, GraphQLError):
            formatted["locations"] = error.formatted.get("locations")
            formatted["path"] = error.path
        formatted["extensions"] = {"code": LimitCode.INTERNAL_ERROR.value}
        return formatted


def _batch_size(body: bytes) -> int | None:
    """Return how many operations a JSON list body holds; None if no list."""
    if not body.lstrip().startswith(b"["):
        return None
    try:
        operations = json.loads(body)
    except ValueError:
        return None
    return len(operations) if isinstance(operations, list) else None


def _is_mutation_over_get(request, operation) -> bool:
    return (
        request.method.lower() == "get"
        and operation is not None
        and operation.operation != OperationType.QUERY
    )


def _atomic_mutations() -> bool:
    return (
        graphene_settings.ATOMIC_MUTATIONS is True
        or connection.settings_dict.get("ATOMIC_MUTATIONS", False) is True
    )


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)
