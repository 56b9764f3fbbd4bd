"""The admin as the handlers' workbench (one module per area)."""

# The task queue's own admin (django-tasks-db) would list every task with its
# arguments; an import's progress is on its own page, for its importer only.
from django.contrib import admin as _admin
from django_tasks_db.models import DBTaskResult as _DBTaskResult

from complaints.admin import access_log as access_log  # noqa: F401
from complaints.admin import approvals as approvals  # noqa: F401
from complaints.admin import complaint as complaint  # noqa: F401
from complaints.admin import desk as desk  # noqa: F401
from complaints.admin import exchange_log as exchange_log  # noqa: F401
from complaints.admin import outbox as outbox  # noqa: F401
from complaints.admin import reference as reference  # noqa: F401
from complaints.admin import reply_templates as reply_templates  # noqa: F401
from complaints.admin import tasks as tasks  # noqa: F401

if _admin.site.is_registered(_DBTaskResult):
    _admin.site.unregister(_DBTaskResult)
