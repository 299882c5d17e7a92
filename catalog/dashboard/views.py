"""Dashboard pages of registry imports and of flagged benefit links.

Staff upload exports and follow each import; a producer's own staff (Oscar
partner users with dashboard access) see the flags on their links only.
"""

import logging
import uuid
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from catalog.dashboard.forms import ImportUploadForm
from catalog.models import BenefitLink, HouseholdChange, ImportBatch
from catalog.registry.imports import applied_before, import_batch_create
from catalog.registry.reports import household_changes_xlsx, row_errors_xlsx
from catalog.selectors import products_without_eligible_household
from catalog.tasks import registry_import_task
from shop.dashboard_access import can_see_flags

logger = logging.getLogger(__name__)

SHOWN_ERRORS = 100
IMPORTS_PER_PAGE = 50


def _store_upload(upload) -> Path:
    folder = Path(settings.REGISTRY_UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()[:8]}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@method_decorator(staff_member_required, name="dispatch")
class ImportListView(View):
    template_name = "catalog/dashboard/import_list.html"

    def get(self, request):
        return self._page(request, ImportUploadForm())

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form)
        path = _store_upload(form.cleaned_data["file"])
        batch = import_batch_create(
            path=path,
            file_name=form.cleaned_data["file"].name,
            source="upload",
            policy=form.cleaned_data["policy"],
            scope=form.cleaned_data["scope"],
            started_by=request.user,
            stored_path=str(path),
        )
        logger.info(
            "registry upload queued batch=%s user=%s", batch.pk, request.user.pk
        )
        force = form.cleaned_data["force"]
        transaction.on_commit(
            partial(registry_import_task.delay, batch.pk, force=force)
        )
        return redirect("registry-dashboard:import-detail", pk=batch.pk)

    def _page(self, request, form):
        batches = ImportBatch.objects.select_related("started_by")
        page = Paginator(batches, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            "form": form,
            "batches": page.object_list,
            "page_obj": page,
            "paginator": page.paginator,
        }
        return render(request, self.template_name, context)


@method_decorator(staff_member_required, name="dispatch")
class ImportDetailView(View):
    template_name = "catalog/dashboard/import_detail.html"

    def get(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        flagged = batch.flagged_links.select_related("producer", "household__village")
        changes = batch.household_changes.select_related("household").order_by(
            "household__registry_number", "pk"
        )
        context = {
            "batch": batch,
            "shown": SHOWN_ERRORS,
            "errors": batch.errors.all()[:SHOWN_ERRORS],
            "flagged": flagged[:SHOWN_ERRORS],
            "flagged_total": flagged.count(),
            "changes": HouseholdChange.with_village_names(changes[:SHOWN_ERRORS]),
            "changes_total": changes.count(),
            "stalled": stalled_message(batch),
            "earlier": (
                applied_before(batch)
                if batch.status == ImportBatch.Status.DUPLICATE
                else None
            ),
        }
        return render(request, self.template_name, context)


@staff_member_required
def import_progress(request, pk):
    """Answer the batch's status and counts, for the page to poll."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    names = ("rows_read", "households", "new", "changed", "unchanged")
    names += ("outdated", "not_seen", "rejected", "row_errors", "links_flagged")
    names += ("links_cleared",)
    return JsonResponse(
        {
            "status": batch.status,
            "status_display": batch.get_status_display(),
            "progress": batch.overall_progress(),
            "is_finished": batch.is_finished,
            "message": batch.message,
            "stalled": stalled_message(batch),
            **{name: getattr(batch, name) for name in names},
        }
    )


def stalled_message(batch: ImportBatch) -> str:
    """Say what to do about an import nothing has moved for minutes."""
    minutes = batch.stalled_minutes()
    if not minutes:
        return ""
    if batch.status == ImportBatch.Status.QUEUED:
        return _(
            "No worker has taken this import in %(minutes)d minutes: is a "
            "Celery worker running?"
        ) % {"minutes": minutes}
    # A worker that took the import and died leaves it to the broker, which
    # hands it out again once the visibility timeout has passed.
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    return _(
        "Nothing has moved for %(minutes)d minutes: the worker may have "
        "stopped. The registry stays as it was until an import of this file "
        "finishes; a worker takes this one up again %(timeout)d minutes after "
        "it was handed out, or upload the file again."
    ) % {"minutes": minutes, "timeout": max(1, timeout // 60)}


@staff_member_required
def import_errors_download(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk)
    return _xlsx(row_errors_xlsx(batch), f"registry-import-{batch.pk}-errors.xlsx")


@staff_member_required
def import_changes_download(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk)
    content = household_changes_xlsx(batch)
    return _xlsx(content, f"registry-import-{batch.pk}-changes.xlsx")


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument."
        "spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@method_decorator(login_required, name="dispatch")
class FlaggedLinkListView(ListView):
    template_name = "catalog/dashboard/flagged_links.html"
    context_object_name = "links"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        # Staff see every flag; a producer's staff (partner users with
        # dashboard access) see those of their own producers.
        if request.user.is_authenticated and not can_see_flags(
            request.user, "registry-dashboard:flagged-links"
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        links = BenefitLink.objects.exclude(flag_reason="").select_related(
            "producer", "household__village__township__county", "flagged_by_batch"
        )
        if not self.request.user.is_staff:
            links = links.filter(producer__users=self.request.user)
        if self.batch is not None:
            links = links.filter(flagged_by_batch=self.batch)
        return links.order_by("producer__name", "household__registry_number")

    @cached_property
    def batch(self) -> ImportBatch | None:
        # ?batch=N: the flags one import raised, linked from its page.
        pk = self.request.GET.get("batch", "")
        if not self.request.user.is_staff or not pk.isdigit():
            return None
        return get_object_or_404(ImportBatch, pk=pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Flagged benefit links")
        context["batch"] = self.batch
        products = products_without_eligible_household()
        if not self.request.user.is_staff:
            products = products.filter(producer__users=self.request.user)
        context["products"] = products[:SHOWN_ERRORS]
        context["products_total"] = products.count()
        context["shown"] = SHOWN_ERRORS
        return context
