"""Admin pages of the insight features.

The complaint admin gains the insight panels by composition, here in one place:
each feature's mixin goes before ComplaintAdmin (complaints.admin.complaint),
which stays unaware of insight (imports point insight -> complaints).
"""

from django.contrib import admin

from complaints.admin.complaint import ComplaintAdmin
from complaints.models import Complaint
from insight.admin_coding import ComplaintCodingViews


class InsightComplaintAdmin(ComplaintCodingViews, ComplaintAdmin):
    pass


if admin.site.is_registered(Complaint):
    admin.site.unregister(Complaint)
admin.site.register(Complaint, InsightComplaintAdmin)

from insight import admin_rings as admin_rings  # noqa: E402  (complaint rings)
from insight import admin_surge as admin_surge  # noqa: E402  (surge alerts)
