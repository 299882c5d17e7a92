"""Search: ELASTICSEARCH_URL selects Elasticsearch, else the database.

The embedded default searches the database through haystack's simple
backend, which Oscar's search views understand. With ELASTICSEARCH_URL set,
product documents are also indexed with elasticsearch-dsl (see search/).
"""

import warnings

from shop.settings.env import env

ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
ELASTICSEARCH_INDEX_PREFIX = env.str("ELASTICSEARCH_INDEX_PREFIX", default="fupin")
SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "database"

HAYSTACK_CONNECTIONS = {
    "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}
}

# Oscar asks the search index to update on every product change; the simple
# backend is only a placeholder for Oscar's forms and warns each time.
warnings.filterwarnings("ignore", "update is not implemented in this backend")
