from dataclasses import dataclass

from django.conf import settings
from django.views.generic import ListView

from catalog.catalogue.models import Product
from search.engine import search_products
from search.search_form import DatabaseSearchForm


@dataclass(frozen=True)
class Hit:
    """Oscar's templates render ``result.object``: a hit holds the product."""

    object: Product


class BaseSearchView(ListView):
    paginate_by = settings.OSCAR_PRODUCTS_PER_PAGE
    context_object_name = "products"

    def get_category_ids(self) -> list[int] | None:
        return None

    def get_queryset(self):
        self.form = DatabaseSearchForm(self.request.GET or None)
        query, sort_by = self.form.cleaned()
        self.query = query
        return search_products(
            query=query, category_ids=self.get_category_ids(), sort_by=sort_by
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        page.object_list = [Hit(product) for product in page.object_list]
        context.update(
            products=page.object_list,
            page=page,
            form=self.form,
            query=self.query,
            has_facets=False,
            facet_data={},
            selected_facets=[],
        )
        return context
