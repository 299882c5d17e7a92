from oscar.apps.search.signals import user_search

from search.views.base import BaseSearchView


class FacetedSearchView(BaseSearchView):
    """Search results for the header box's query."""

    template_name = "oscar/search/results.html"

    def dispatch(self, request, *args, **kwargs):
        # Oscar's analytics listen for this signal.
        user_search.send(
            sender=self,
            session=request.session,
            user=request.user,
            query=request.GET.get("q", ""),
        )
        return super().dispatch(request, *args, **kwargs)
