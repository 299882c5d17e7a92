# haystack finds indexes in "<app>.search_indexes"; the fork must re-export
# Oscar's product index or database search silently finds nothing.
from oscar.apps.search.search_indexes import ProductIndex

__all__ = ["ProductIndex"]
