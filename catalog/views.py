"""Public producer pages: who makes the produce and whom it helps."""

from django.views.generic import DetailView, ListView

from catalog import selectors
from catalog.partner.models import Partner


class ProducerListView(ListView):
    template_name = "catalog/producer_list.html"
    context_object_name = "producers"

    def get_queryset(self):
        return selectors.producer_list()


class ProducerDetailView(DetailView):
    template_name = "catalog/producer_detail.html"
    context_object_name = "producer"
    queryset = Partner.objects.select_related("county__prefecture__province")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["products"] = selectors.producer_products(producer=self.object)
        context["impact"] = selectors.producer_reach(producer=self.object)
        return context
