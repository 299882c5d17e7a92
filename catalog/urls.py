from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.ProducerListView.as_view(), name="producer-list"),
    path("<slug:slug>/", views.ProducerDetailView.as_view(), name="producer-detail"),
]
