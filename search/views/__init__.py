"""Storefront browsing and search views on the database engine.

Oscar's own views need a haystack backend able to list everything and filter
by category, which haystack's simple database backend cannot do. These
views keep Oscar's templates and context names and query the database.
"""

from search.views.catalogue import CatalogueView, ProductCategoryView
from search.views.search import FacetedSearchView

__all__ = ["CatalogueView", "FacetedSearchView", "ProductCategoryView"]
