from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from archive.health import healthz, readyz
from decisions.views.media import serve_media

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", serve_media, name="media"),
    path("", include("decisions.urls")),
]
