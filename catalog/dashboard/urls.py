from django.urls import path

from catalog.dashboard import views

app_name = "registry-dashboard"

urlpatterns = [
    path("imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import-progress"),
    path(
        "imports/<int:pk>/errors.xlsx",
        views.import_errors_download,
        name="import-errors",
    ),
    path(
        "imports/<int:pk>/changes.xlsx",
        views.import_changes_download,
        name="import-changes",
    ),
    path("flags/", views.FlaggedLinkListView.as_view(), name="flagged-links"),
]
