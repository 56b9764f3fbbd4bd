"""The admin as the handlers' workbench (one module per area)."""

from complaints.admin import access_log as access_log  # noqa: F401
from complaints.admin import approvals as approvals  # noqa: F401
from complaints.admin import complaint as complaint  # noqa: F401
from complaints.admin import desk as desk  # noqa: F401
from complaints.admin import exchange_log as exchange_log  # noqa: F401
from complaints.admin import outbox as outbox  # noqa: F401
from complaints.admin import reference as reference  # noqa: F401
from complaints.admin import reply_templates as reply_templates  # noqa: F401
from complaints.admin import tasks as tasks  # noqa: F401
