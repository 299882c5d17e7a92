from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from shop.graphql.views import ShopGraphQLView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path(
        "graphql/", csrf_exempt(ShopGraphQLView.as_view(graphiql=True)), name="graphql"
    ),
    path("producers/", include("catalog.urls")),
    path("dashboard/registry/", include("catalog.dashboard.urls")),
    path("payments/", include("fulfillment.payments.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
