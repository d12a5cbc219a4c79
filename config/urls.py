from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.negotiation import DefaultContentNegotiation

from config import health, metrics, problems
from executions.api.views import ApiRootViewSet

urlpatterns = [
    # The site's front door (and the admin's "View site"): the API's browsable docs.
    path("", RedirectView.as_view(pattern_name="docs"), name="home"),
    path("admin/", admin.site.urls),
    re_path(r"^healthz/?$", health.healthz, name="healthz"),
    re_path(r"^readyz/?$", health.readyz, name="readyz"),
    re_path(r"^metrics/?$", metrics.metrics_view, name="metrics"),
    # The schema view picks YAML or JSON by Accept or ?format=, unlike the API.
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(content_negotiation_class=DefaultContentNegotiation),
            name="schema"),
    # Its script from its own URL (?script=), not inline: the Content-Security-Policy forbids those.
    re_path(r"^api/docs/?$", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    # The base path without its trailing slash is the API's root too.
    re_path(r"^api/v1/automation$", ApiRootViewSet.as_view({"get": "retrieve"})),
    path("api/v1/automation/", include("executions.api.urls")),
    path("api/v1/automation/", include("webhooks.api.urls")),
    # Anything else under /api/ is a problem+json 404, also with DEBUG on.
    re_path(r"^api/", problems.api_not_found),
]

handler400 = problems.handler400
handler403 = problems.handler403
handler404 = problems.handler404
handler500 = problems.handler500
