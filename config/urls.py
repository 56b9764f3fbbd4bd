from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

admin.site.site_header = _("Consumer complaint handling")
admin.site.site_title = _("Complaint back office")
# The landing page is the person's work (templates/admin/index.html).
admin.site.index_title = _("My work")
# A lost database connection answers 503 "temporarily unavailable", not 500.
handler500 = "config.errors.server_error"
# Refusals and missing pages inside the admin's frame, in the user's language.
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("intake.urls")),
    path("complaints/", include("complaints.urls")),
]
