"""Every write to a complaint goes through one of these services."""

from complaints.services.aftercare import (
    complaint_record_callback as complaint_record_callback,
)
from complaints.services.aftercare import (
    complaint_record_redress as complaint_record_redress,
)
from complaints.services.approvals import approval_decide as approval_decide
from complaints.services.approvals import approval_request as approval_request
from complaints.services.casework import supervision_end as supervision_end
from complaints.services.casework import supervision_start as supervision_start
from complaints.services.casework import task_answer as task_answer
from complaints.services.casework import task_send as task_send
from complaints.services.casework import task_withdraw as task_withdraw
from complaints.services.letters import letter_attach_pdf as letter_attach_pdf
from complaints.services.letters import letter_store as letter_store
from complaints.services.letters import (
    letters_render_missing_pdfs as letters_render_missing_pdfs,
)
from complaints.services.lifecycle import complaint_accept as complaint_accept
from complaints.services.lifecycle import complaint_approve as complaint_approve
from complaints.services.lifecycle import complaint_archive as complaint_archive
from complaints.services.lifecycle import complaint_assign as complaint_assign
from complaints.services.lifecycle import complaint_close as complaint_close
from complaints.services.lifecycle import (
    complaint_complete_review as complaint_complete_review,
)
from complaints.services.lifecycle import complaint_decline as complaint_decline
from complaints.services.lifecycle import (
    complaint_notify_decision as complaint_notify_decision,
)
from complaints.services.lifecycle import (
    complaint_notify_review as complaint_notify_review,
)
from complaints.services.lifecycle import (
    complaint_propose_decision as complaint_propose_decision,
)
from complaints.services.lifecycle import (
    complaint_record_mediation_outcome as complaint_record_mediation_outcome,
)
from complaints.services.lifecycle import (
    complaint_refer_to_mediation as complaint_refer_to_mediation,
)
from complaints.services.lifecycle import (
    complaint_request_review as complaint_request_review,
)
from complaints.services.lifecycle import (
    complaint_return_for_rework as complaint_return_for_rework,
)
from complaints.services.lifecycle import complaint_route as complaint_route
from complaints.services.lifecycle import complaint_withdraw as complaint_withdraw
from complaints.services.lifecycle import handler_problem as handler_problem
from complaints.services.privacy import (
    data_access_export_record as data_access_export_record,
)
from complaints.services.privacy import personal_data_exported as personal_data_exported
from complaints.services.privacy import personal_data_shown as personal_data_shown
from complaints.services.records import attachment_add as attachment_add
from complaints.services.records import (
    correspondence_mark_new_facts as correspondence_mark_new_facts,
)
from complaints.services.records import correspondence_record as correspondence_record
from complaints.services.records import recusal_declare as recusal_declare
from complaints.services.records import validate_upload as validate_upload
from complaints.services.registration import complaint_register as complaint_register
from complaints.services.registration import next_number as next_number
from complaints.services.reply_templates import (
    reply_template_fill as reply_template_fill,
)
from complaints.services.reply_templates import (
    reply_template_save as reply_template_save,
)
from complaints.services.reply_templates import (
    reply_templates_for as reply_templates_for,
)
from complaints.services.routing import (
    routing_record_outcome as routing_record_outcome,
)
from complaints.services.schedule import complaint_extend as complaint_extend
from complaints.services.schedule import complaint_pause as complaint_pause
from complaints.services.schedule import complaint_resume as complaint_resume
from complaints.services.schedule import (
    recompute_open_deadlines as recompute_open_deadlines,
)
