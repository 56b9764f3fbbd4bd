"""The intake API, mounted at /api/v1/ by config.urls."""

from django.urls import path, re_path
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from intake import views

app_name = "intake"

urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(
            api_version="v1",
            authentication_classes=[],
            permission_classes=[AllowAny],
            # JSON unless YAML is asked for (?format=yaml or the Accept header).
            renderer_classes=[
                OpenApiJsonRenderer,
                OpenApiJsonRenderer2,
                OpenApiYamlRenderer,
                OpenApiYamlRenderer2,
            ],
        ),
        name="schema",
    ),
    path("complaints/", views.ComplaintListView.as_view(), name="complaint-list"),
    path(
        "complaints/<str:number>/",
        views.ComplaintDetailView.as_view(),
        name="complaint-detail",
    ),
    path(
        "complaints/<str:number>/correspondence/",
        views.CorrespondenceCreateView.as_view(),
        name="complaint-correspondence",
    ),
    path(
        "complaints/<str:number>/attachments/",
        views.AttachmentCreateView.as_view(),
        name="complaint-attachments",
    ),
    path(
        "complaints/<str:number>/callback/",
        views.CallbackCreateView.as_view(),
        name="complaint-callback",
    ),
    path("callbacks/", views.CallbackListView.as_view(), name="callbacks-due"),
    # Public: complainants look up a status by number and phone factor.
    path("status-lookup/", views.StatusLookupView.as_view(), name="status-lookup"),
    path(
        "status-lookup/code/",
        views.StatusCodeView.as_view(),
        name="status-lookup-code",
    ),
    re_path(r"^.*$", views.unknown_endpoint, name="unknown"),
]
