"""Who gets what from every URL of the project: a matrix generated from the
URL configuration, checked against EXPECTED below.

tests/permission_urls.py walks the resolver (the admin site, every
ModelAdmin's get_urls, the API, the application views) and builds a request
for each pattern; tests/permission_world.py builds the data and the personas
once per module; tests/permission_checks.py says who may see what. Each
pattern is requested by every persona; a pattern that names an object is
requested for the 天河 (th) object, the 西湖 (xh) object and a missing one.
An answer reads "200", "login" (a redirect to the sign-in page), "302" (any
other redirect) or the status code.

The matrix fails when
- a URL pattern exists that EXPECTED does not list (nobody adds an unchecked
  surface), or EXPECTED lists one that no longer exists;
- any cell differs from EXPECTED;
- whatever EXPECTED says: an object outside the persona's scope answers 2xx
  or differently from a missing one (it must look missing); a 2xx page shows
  a complaint, an institution or a person outside the scope; a changelist
  filter or an autocomplete offers one; a POST to an object outside the
  scope is anything but refused, or changes it.

An EXPECTED row reads {personas: answer}: "*" is everyone not listed, a key
lists personas or GROUPS separated by spaces, and an object's answer is
"th|xh". A failing row prints what was observed in this form: check every
cell against what the role should see before pasting it, and fix the code
(through organisations/permissions.py), never the table, when an answer
shows what the persona should not see.

About 9,000 requests: roughly 70 s of CPU on SQLite, a third more on
PostgreSQL.
"""

# ruff: noqa: E501 (the table below keeps one row per line)
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Model
from django.test import override_settings
from django.urls import reverse

from tests.permission_checks import answer, may_see, observe
from tests.permission_urls import Probe, probes, request_for
from tests.permission_world import NOW, PERSONAS, World, build_world

# Names for the personas that answer alike in many rows (see
# tests/permission_world.py for who each persona is).
GROUPS = {
    # No session the admin accepts: the API clients' tokens open only /api/.
    "signed-out": "inactive anonymous api.th api.xh",
    # Head office: both complaints are in their subtree.
    "ho": "ho.manager ho.reviewer ho.senior ho.compliance ho.viewer",
    # The 浙江 side: the 西湖 complaint is theirs, the 天河 one is not.
    "zj": "zj.viewer xh.handler",
    # Who handles complaints (HANDLE): handlers and managers.
    "handle": "th.handler gz.handler gd.handler th.manager gz.manager gd.manager "
    "ho.manager xh.handler",
    # Who reads reports (REPORTS): managers, senior managers, compliance ...
    "reports": "th.manager gz.manager gd.manager ho.manager gd.senior ho.senior "
    "gd.compliance ho.compliance",
    # ... of whom these report on the 天河 side only.
    "gd-reports": "th.manager gz.manager gd.manager gd.senior gd.compliance",
    # Who sees complaints but neither handles them nor reads reports.
    "readers": "gz.reviewer gd.reviewer ho.reviewer th.viewer gd.viewer zj.viewer "
    "ho.viewer",
    "ho-reports": "ho.manager ho.senior ho.compliance",
    "compliance": "gd.compliance ho.compliance",
    "handlers": "th.handler gz.handler gd.handler xh.handler",
}

# fmt: off
EXPECTED: dict[str, dict[str, str]] = {
    # --- Entry, sign-in and the admin site ------------------------------------
    "route:/": {"*": "302"},
    "admin:two_factor": {"*": "200", "signed-out": "login"},
    "admin:index": {"*": "200", "signed-out": "login"},
    "admin:login": {"*": "302", "signed-out": "200"},
    "admin:logout": {"*": "405", "signed-out": "302"},
    "admin:password_change": {"*": "200", "signed-out": "login"},
    "admin:password_change_done": {"*": "200", "signed-out": "login"},
    # --- Autocomplete: each admin's fields, one towards each other ------------
    "admin:autocomplete [institution.parent]": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:autocomplete [membership.user]": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:autocomplete [membership.institution]": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:autocomplete [channelclient.institution]": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:autocomplete [user.groups]": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:autocomplete [accessattemptexpiration.access_attempt]": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:autocomplete [personaldataaccess.export]": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:autocomplete [intakesubmission.client]": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    # The import log (ImportRecord) through the background import's link to it:
    # whoever reads the import log in the admin.
    "admin:autocomplete [importjob.record]": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:autocomplete [qualityscore.check_record]": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:autocomplete [department.institution]": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:autocomplete [department.members]": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:autocomplete [investigationtask.department]": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:jsi18n": {"*": "200", "signed-out": "login"},
    "admin:view_on_site": {"*": "404|404", "signed-out": "login|login"},
    # --- Staff accounts and groups (Django's own admins) ----------------------
    "admin:auth_group_changelist": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:auth_group_add": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:auth_group_history": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:auth_group_delete": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:auth_group_change": {"*": "403", "signed-out": "login", "superuser": "200"},
    "route:admin/auth/group/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "admin:auth_user_password_change": {"*": "403|403", "signed-out": "login|login", "sysadmin superuser": "200|200"},
    "admin:auth_user_changelist": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:auth_user_add": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:auth_user_history": {"*": "403|403", "signed-out": "login|login", "sysadmin superuser": "200|200"},
    # A staff account in any history is deactivated, not deleted (issue 14): the
    # delete page sends the superuser to the account instead.
    "admin:auth_user_delete": {"*": "403|403", "signed-out": "login|login", "superuser": "302|302"},
    "admin:auth_user_change": {"*": "403|403", "signed-out": "login|login", "sysadmin superuser": "200|200"},
    "route:admin/auth/user/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    # --- Sign-in throttling (django-axes): superusers only --------------------
    "admin:axes_accessattempt_changelist": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:axes_accessattempt_add": {"*": "403", "signed-out": "login"},
    "admin:axes_accessattempt_history": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:axes_accessattempt_delete": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:axes_accessattempt_change": {"*": "403", "signed-out": "login", "superuser": "200"},
    "route:admin/axes/accessattempt/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "admin:axes_accesslog_changelist": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:axes_accesslog_add": {"*": "403", "signed-out": "login"},
    "admin:axes_accesslog_history": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:axes_accesslog_delete": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:axes_accesslog_change": {"*": "403", "signed-out": "login", "superuser": "200"},
    "route:admin/axes/accesslog/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "admin:axes_accessfailurelog_changelist": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:axes_accessfailurelog_add": {"*": "403", "signed-out": "login"},
    "admin:axes_accessfailurelog_history": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:axes_accessfailurelog_delete": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:axes_accessfailurelog_change": {"*": "403", "signed-out": "login", "superuser": "200"},
    "route:admin/axes/accessfailurelog/<path:object_id>/": {"*": "302", "signed-out": "login"},
    # --- The organisation -----------------------------------------------------
    "admin:organisations_institution_simple_history": {"*": "200|404", "ho sysadmin superuser": "200|200", "zj": "404|200", "outsider": "403|403", "signed-out": "login|login"},
    "admin:organisations_institution_changelist": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:organisations_institution_add": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:organisations_institution_history": {"*": "200|404", "ho sysadmin superuser": "200|200", "zj": "404|200", "outsider": "403|403", "signed-out": "login|login"},
    "admin:organisations_institution_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:organisations_institution_change": {"*": "200|302", "ho sysadmin superuser": "200|200", "zj": "302|200", "outsider": "403|403", "signed-out": "login|login"},
    "route:admin/organisations/institution/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:organisations_membership_simple_history": {"*": "200|404", "ho sysadmin superuser": "200|200", "zj": "404|200", "outsider": "403|403", "signed-out": "login|login"},
    "admin:organisations_membership_changelist": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:organisations_membership_add": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:organisations_membership_history": {"*": "200|404", "ho sysadmin superuser": "200|200", "zj": "404|200", "outsider": "403|403", "signed-out": "login|login"},
    "admin:organisations_membership_delete": {"*": "403|403", "signed-out": "login|login", "sysadmin superuser": "200|200"},
    "admin:organisations_membership_change": {"*": "200|302", "ho sysadmin superuser": "200|200", "zj": "302|200", "outsider": "403|403", "signed-out": "login|login"},
    "route:admin/organisations/membership/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:organisations_twofactordevice_changelist": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:organisations_twofactordevice_add": {"*": "403", "signed-out": "login"},
    "admin:organisations_twofactordevice_history": {"*": "403|403", "signed-out": "login|login", "sysadmin superuser": "200|200"},
    "admin:organisations_twofactordevice_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:organisations_twofactordevice_change": {"*": "403|403", "signed-out": "login|login", "sysadmin superuser": "200|200"},
    "route:admin/organisations/twofactordevice/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:organisations_department_simple_history": {"*": "200|404", "ho sysadmin superuser": "200|200", "zj": "404|200", "outsider": "403|403", "signed-out": "login|login"},
    "admin:organisations_department_changelist": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:organisations_department_add": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:organisations_department_history": {"*": "200|404", "ho sysadmin superuser": "200|200", "zj": "404|200", "outsider": "403|403", "signed-out": "login|login"},
    "admin:organisations_department_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:organisations_department_change": {"*": "200|302", "ho sysadmin superuser": "200|200", "zj": "302|200", "outsider": "403|403", "signed-out": "login|login"},
    "route:admin/organisations/department/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    # --- The personal-data access log -----------------------------------------
    "admin:complaints_personaldataaccess_changelist": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:complaints_personaldataaccess_add": {"*": "403", "signed-out": "login"},
    "admin:complaints_personaldataaccess_history": {"*": "302|302", "gd.compliance": "200|302", "ho.compliance superuser": "200|200", "signed-out": "login|login"},
    "admin:complaints_personaldataaccess_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:complaints_personaldataaccess_change": {"*": "403|403", "gd.compliance": "200|302", "ho.compliance superuser": "200|200", "signed-out": "login|login"},
    "route:admin/complaints/personaldataaccess/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    # --- The complaint workbench ----------------------------------------------
    "admin:complaints_complaint_my_work": {"*": "200", "outsider sysadmin": "403", "signed-out": "login"},
    "admin:complaints_complaint_export [complaints.csv]": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:complaints_complaint_export [correspondence.xlsx]": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:complaints_complaint_data_access [search]": {"*": "403|403", "compliance superuser": "200|200", "signed-out": "login|login"},
    "admin:complaints_complaint_data_access [export]": {"*": "403|403", "gd.compliance": "200|404", "ho.compliance superuser": "200|200", "signed-out": "login|login"},
    "admin:complaints_complaint_import_regulator": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:complaints_complaint_import_regulator_template": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    # An import's result page: its importer's only.
    "admin:complaints_complaint_import_regulator_done": {"*": "404", "ho.compliance": "200", "signed-out": "login"},
    "admin:complaints_complaint_import_job": {"*": "404", "ho.compliance": "200", "signed-out": "login"},
    "admin:complaints_complaint_import_organisation [institutions]": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:complaints_complaint_import_organisation [memberships]": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:complaints_complaint_act [correspondence]": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "admin:complaints_complaint_act [new_facts]": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "admin:complaints_complaint_act [record_redress]": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "admin:complaints_complaint_act [record_callback]": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "admin:complaints_complaint_simple_history": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "admin:complaints_complaint_changelist": {"*": "200", "outsider sysadmin": "403", "signed-out": "login"},
    "admin:complaints_complaint_changelist [institution]": {"*": "200|200", "outsider sysadmin": "403|403", "signed-out": "login|login"},
    "admin:complaints_complaint_changelist [handler]": {"*": "200|200", "outsider sysadmin": "403|403", "signed-out": "login|login"},
    "admin:complaints_complaint_changelist [search]": {"*": "200|200", "outsider sysadmin": "403|403", "signed-out": "login|login"},
    "admin:complaints_complaint_add": {"*": "403", "handle superuser": "200", "signed-out": "login"},
    "admin:complaints_complaint_history": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "admin:complaints_complaint_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:complaints_complaint_change": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "route:admin/complaints/complaint/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:complaints_complaint_casework [task]": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "admin:complaints_complaint_casework [supervise]": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "admin:complaints_complaint_casework [end_supervision]": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "admin:complaints_complaint_reply_template": {"*": "404|404", "th.handler gz.handler gd.handler th.manager gz.manager gd.manager": "200|404", "ho.manager superuser": "200|200", "xh.handler": "404|200", "signed-out": "login|login"},
    "admin:autocomplete [routing.complaint]": {"*": "200", "outsider sysadmin": "403", "signed-out": "login"},
    "admin:autocomplete [routing.reason]": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:complaints_approvalrequest_simple_history": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "403|403", "signed-out": "login|login"},
    "admin:complaints_approvalrequest_changelist": {"*": "200", "outsider sysadmin": "403", "signed-out": "login"},
    "admin:complaints_approvalrequest_add": {"*": "403", "signed-out": "login"},
    "admin:complaints_approvalrequest_history": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "403|403", "signed-out": "login|login"},
    "admin:complaints_approvalrequest_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:complaints_approvalrequest_change": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "route:admin/complaints/approvalrequest/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    # Work that finds the person (issue 15): one's own notices, following a case,
    # internal notes, the one-click claim and saved views (POST only but the note).
    "admin:complaints_staffnotice_changelist": {"*": "200", "signed-out": "login"},
    "admin:complaints_staffnotice_open": {"*": "404", "signed-out": "login"},
    "admin:complaints_staffnotice_read": {"*": "405", "signed-out": "login"},
    "admin:complaints_complaint_claim": {"*": "405|405", "signed-out": "login|login"},
    # Accepting a coding suggestion (issue 18): POST only, like the claim.
    "admin:complaints_complaint_coding_accept": {"*": "405|405", "signed-out": "login|login"},
    # The registration form's suggestions: POST only (JSON), no case yet.
    "admin:complaints_complaint_coding_suggest_new": {"*": "405", "signed-out": "login"},
    "admin:complaints_complaint_saved_view": {"*": "405", "signed-out": "login"},
    "admin:complaints_complaint_watch": {"*": "405|405", "signed-out": "login|login"},
    "admin:complaints_complaint_note": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "admin:complaints_investigationtask_simple_history": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "403|403", "signed-out": "login|login"},
    "admin:complaints_investigationtask_changelist": {"*": "200", "outsider sysadmin": "403", "signed-out": "login"},
    "admin:complaints_investigationtask_add": {"*": "403", "signed-out": "login"},
    "admin:complaints_investigationtask_history": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "403|403", "signed-out": "login|login"},
    "admin:complaints_investigationtask_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:complaints_investigationtask_change": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "route:admin/complaints/investigationtask/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    # --- Import and export logs: one's own rows -------------------------------
    "admin:complaints_importrecord_changelist": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:complaints_importrecord_add": {"*": "403", "signed-out": "login"},
    "admin:complaints_importrecord_history": {"*": "302|302", "gd.compliance": "200|302", "signed-out": "login|login", "superuser": "200|200"},
    "admin:complaints_importrecord_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:complaints_importrecord_change": {"*": "403|403", "gd.compliance": "200|302", "ho.compliance": "302|302", "signed-out": "login|login", "superuser": "200|200"},
    "route:admin/complaints/importrecord/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:complaints_exportrecord_changelist": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:complaints_exportrecord_add": {"*": "403", "signed-out": "login"},
    "admin:complaints_exportrecord_history": {"*": "302|302", "gd.compliance": "200|302", "signed-out": "login|login", "superuser": "200|200"},
    "admin:complaints_exportrecord_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:complaints_exportrecord_change": {"*": "403|403", "gd.compliance": "200|302", "ho.compliance": "302|302", "signed-out": "login|login", "superuser": "200|200"},
    "route:admin/complaints/exportrecord/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    # --- The notification outbox ----------------------------------------------
    "admin:complaints_notification_changelist": {"*": "200", "outsider sysadmin": "403", "signed-out": "login"},
    "admin:complaints_notification_add": {"*": "403", "signed-out": "login"},
    "admin:complaints_notification_history": {"*": "200|302", "ho superuser": "200|200", "zj": "302|200", "outsider sysadmin": "302|302", "signed-out": "login|login"},
    "admin:complaints_notification_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:complaints_notification_change": {"*": "200|302", "ho superuser": "200|200", "zj": "302|200", "outsider sysadmin": "403|403", "signed-out": "login|login"},
    "route:admin/complaints/notification/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    # --- Reference data: code lists and the calendar --------------------------
    "admin:complaints_code_simple_history": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:complaints_code_changelist": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:complaints_code_add": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:complaints_code_history": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:complaints_code_delete": {"*": "403", "signed-out": "login"},
    "admin:complaints_code_change": {"*": "200", "outsider": "403", "signed-out": "login"},
    "route:admin/complaints/code/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "admin:complaints_calendarday_load_year": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:complaints_calendarday_import": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:complaints_calendarday_simple_history": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:complaints_calendarday_changelist": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:complaints_calendarday_add": {"*": "403", "signed-out": "login"},
    "admin:complaints_calendarday_history": {"*": "200", "outsider": "403", "signed-out": "login"},
    "admin:complaints_calendarday_delete": {"*": "403", "signed-out": "login"},
    "admin:complaints_calendarday_change": {"*": "200", "outsider": "403", "signed-out": "login"},
    "route:admin/complaints/calendarday/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "admin:complaints_replytemplate_simple_history": {"*": "403|403", "gd.compliance": "200|404", "ho.compliance superuser": "200|200", "signed-out": "login|login"},
    "admin:complaints_replytemplate_changelist": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:complaints_replytemplate_add": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:complaints_replytemplate_history": {"*": "403|403", "gd.compliance": "200|404", "ho.compliance superuser": "200|200", "signed-out": "login|login"},
    "admin:complaints_replytemplate_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:complaints_replytemplate_change": {"*": "403|403", "gd.compliance": "200|302", "ho.compliance superuser": "200|200", "signed-out": "login|login"},
    "route:admin/complaints/replytemplate/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    # --- Reporting: dashboards and drill-downs --------------------------------
    "admin:reporting_dashboard_changelist": {"*": "302", "readers outsider sysadmin": "403", "signed-out": "login"},
    "admin:reporting_handler": {"*": "403", "handle superuser": "200", "signed-out": "login"},
    "admin:reporting_manager": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_compliance": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_drilldown": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_workbook": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_disclosure": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_feedback": {"*": "403|403", "th.manager gz.manager gd.manager gd.senior": "403|404", "gd.compliance": "200|404", "ho.compliance superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_regulator": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    # --- Reporting records ----------------------------------------------------
    "admin:reporting_businessvolume_process_import": {"*": "405", "signed-out": "login"},
    "admin:reporting_businessvolume_import": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:reporting_businessvolume_export": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_businessvolume_simple_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_businessvolume_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_businessvolume_add": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:reporting_businessvolume_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_businessvolume_delete": {"*": "403|403", "signed-out": "login|login", "superuser": "200|200"},
    "admin:reporting_businessvolume_change": {"*": "403|403", "gd-reports": "200|302", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "route:admin/reporting/businessvolume/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:reporting_rootcause_simple_history": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_rootcause_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_rootcause_add": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:reporting_rootcause_history": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_rootcause_delete": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:reporting_rootcause_change": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "route:admin/reporting/rootcause/<path:object_id>/": {"*": "302", "signed-out": "login"},
    # --- Insight: trained models and the coding check (issue 18) -------------------
    # Read by whoever reads reports; trained by the command only, never deleted.
    "admin:insight_coding_check": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:insight_trainedmodel_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:insight_trainedmodel_add": {"*": "403", "signed-out": "login"},
    "admin:insight_trainedmodel_history": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:insight_trainedmodel_delete": {"*": "403", "signed-out": "login"},
    "admin:insight_trainedmodel_change": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "route:admin/insight/trainedmodel/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "admin:reporting_regulatorfigure_add": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:reporting_regulatorfigure_change": {"*": "403|403", "gd-reports": "200|302", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_regulatorfigure_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_regulatorfigure_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:reporting_regulatorfigure_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_regulatorfigure_simple_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "route:admin/reporting/regulatorfigure/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:reporting_accountablemanager_add": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:reporting_accountablemanager_change": {"*": "403|403", "gd-reports": "200|302", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_accountablemanager_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_accountablemanager_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:reporting_accountablemanager_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_accountablemanager_simple_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "route:admin/reporting/accountablemanager/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:reporting_weightversion_add": {"*": "403", "ho.compliance superuser": "200", "signed-out": "login"},
    "admin:reporting_weightversion_change": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_weightversion_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_weightversion_delete": {"*": "403", "signed-out": "login"},
    "admin:reporting_weightversion_history": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_weightversion_simple_history": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "route:admin/reporting/weightversion/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "admin:reporting_scorecard_add": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:reporting_scorecard_change": {"*": "403|403", "gd-reports": "200|302", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_scorecard_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_scorecard_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:reporting_scorecard_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_scorecard_simple_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "route:admin/reporting/scorecard/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:reporting_scorecard_xlsx": {"*": "404|404", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_productlinemapping_add": {"*": "403", "ho.compliance superuser": "200", "signed-out": "login"},
    "admin:reporting_productlinemapping_change": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_productlinemapping_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_productlinemapping_delete": {"*": "403", "signed-out": "login"},
    "admin:reporting_productlinemapping_history": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_productlinemapping_simple_history": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_regulatorline_add": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:reporting_regulatorline_change": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_regulatorline_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_regulatorline_delete": {"*": "403", "signed-out": "login"},
    "admin:reporting_regulatorline_history": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_regulatorline_simple_history": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "route:admin/reporting/productlinemapping/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "route:admin/reporting/regulatorline/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "admin:reporting_complaintrootcause_simple_history": {"*": "403|403", "handlers": "404|404", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_complaintrootcause_changelist": {"*": "200", "readers outsider sysadmin": "403", "signed-out": "login"},
    "admin:reporting_complaintrootcause_add": {"*": "200", "readers outsider sysadmin": "403", "signed-out": "login"},
    "admin:reporting_complaintrootcause_history": {"*": "403|403", "handlers": "404|404", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_complaintrootcause_delete": {"*": "403|403", "signed-out": "login|login", "superuser": "200|200"},
    "admin:reporting_complaintrootcause_change": {"*": "403|403", "handlers": "302|302", "gd-reports": "200|302", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "route:admin/reporting/complaintrootcause/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:reporting_rectification_simple_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_rectification_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_rectification_add": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_rectification_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_rectification_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:reporting_rectification_change": {"*": "403|403", "gd-reports": "200|302", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    # --- Insight: surge alerts, rectification verdicts, branch comparison (h18a) ---
    "admin:autocomplete [surgealert.rectification]": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:insight_branchcomparison_changelist": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:insight_complaintring_add": {"*": "403", "signed-out": "login"},
    "admin:insight_complaintring_change": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:insight_complaintring_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:insight_complaintring_delete": {"*": "403", "signed-out": "login"},
    "admin:insight_complaintring_history": {"*": "302", "reports superuser": "200", "signed-out": "login"},
    "route:admin/insight/complaintring/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "admin:insight_rectificationverdict_add": {"*": "403", "signed-out": "login"},
    "admin:insight_rectificationverdict_change": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:insight_rectificationverdict_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:insight_rectificationverdict_delete": {"*": "403", "signed-out": "login"},
    "admin:insight_rectificationverdict_history": {"*": "302", "reports superuser": "200", "signed-out": "login"},
    "admin:insight_surgealert_add": {"*": "403", "signed-out": "login"},
    "admin:insight_surgealert_change": {"*": "403|403", "gd-reports": "200|302", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:insight_surgealert_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:insight_surgealert_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:insight_surgealert_dismiss": {"*": "405|405", "signed-out": "login|login"},
    "admin:insight_surgealert_history": {"*": "302|302", "gd-reports": "200|302", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:insight_surgealert_rectify": {"*": "405|405", "signed-out": "login|login"},
    "admin:insight_surgealert_run": {"*": "405", "signed-out": "login"},
    "route:admin/insight/rectificationverdict/<path:object_id>/": {"*": "302", "signed-out": "login"},
    "route:admin/insight/surgealert/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "route:admin/reporting/rectification/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:reporting_qualitysample_simple_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_qualitysample_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_qualitysample_add": {"*": "403", "compliance superuser": "200", "signed-out": "login"},
    "admin:reporting_qualitysample_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_qualitysample_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:reporting_qualitysample_change": {"*": "403|403", "gd-reports": "200|302", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "route:admin/reporting/qualitysample/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:reporting_qualitycheck_simple_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_qualitycheck_changelist": {"*": "403", "reports superuser": "200", "signed-out": "login"},
    "admin:reporting_qualitycheck_add": {"*": "403", "signed-out": "login"},
    "admin:reporting_qualitycheck_history": {"*": "403|403", "gd-reports": "200|404", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "admin:reporting_qualitycheck_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:reporting_qualitycheck_change": {"*": "302|302", "gd-reports": "200|302", "ho-reports superuser": "200|200", "signed-out": "login|login"},
    "route:admin/reporting/qualitycheck/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    # --- The intake's records (channel clients, submissions, mails) -----------
    "admin:intake_channelclient_simple_history": {"*": "403|403", "signed-out": "login|login", "sysadmin superuser": "200|200"},
    "admin:intake_channelclient_changelist": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:intake_channelclient_add": {"*": "403", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:intake_channelclient_history": {"*": "403|403", "signed-out": "login|login", "sysadmin superuser": "200|200"},
    "admin:intake_channelclient_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:intake_channelclient_change": {"*": "403|403", "signed-out": "login|login", "sysadmin superuser": "200|200"},
    "route:admin/intake/channelclient/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:intake_intakesubmission_changelist": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:intake_intakesubmission_add": {"*": "403", "signed-out": "login"},
    "admin:intake_intakesubmission_history": {"*": "403|403", "signed-out": "login|login", "superuser": "200|200"},
    "admin:intake_intakesubmission_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:intake_intakesubmission_change": {"*": "403|403", "signed-out": "login|login", "superuser": "200|200"},
    "route:admin/intake/intakesubmission/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    "admin:intake_mailmessage_changelist": {"*": "403", "signed-out": "login", "superuser": "200"},
    "admin:intake_mailmessage_add": {"*": "403", "signed-out": "login"},
    "admin:intake_mailmessage_history": {"*": "403|403", "signed-out": "login|login", "superuser": "200|200"},
    "admin:intake_mailmessage_delete": {"*": "403|403", "signed-out": "login|login"},
    "admin:intake_mailmessage_change": {"*": "403|403", "signed-out": "login|login", "superuser": "200|200"},
    "route:admin/intake/mailmessage/<path:object_id>/": {"*": "302|302", "signed-out": "login|login"},
    # --- App indexes and anything else under /admin/ --------------------------
    "admin:app_list [auth]": {"*": "404", "signed-out": "login", "sysadmin superuser": "200"},
    "admin:app_list [organisations]": {"*": "200", "outsider": "404", "signed-out": "login"},
    "admin:app_list [complaints]": {"*": "200", "outsider": "404", "signed-out": "login"},
    "admin:app_list [reporting]": {"*": "200", "readers outsider sysadmin": "404", "signed-out": "login"},
    "admin:app_list [intake]": {"*": "404", "signed-out": "login", "sysadmin superuser": "200"},
    "route:admin/(?P<url>.*)$": {"*": "404", "signed-out": "login"},
    # --- The intake API (/api/v1/): bearer tokens, no sessions ----------------
    "intake:schema": {"*": "200"},
    "intake:complaint-list": {"*": "401", "api.th api.xh": "200"},
    "intake:complaint-detail": {"*": "401|401", "api.th": "200|404", "api.xh": "404|200"},
    "intake:complaint-correspondence": {"*": "401|401", "api.th": "201|404", "api.xh": "404|201"},
    "intake:complaint-attachments": {"*": "401|401", "api.th": "201|404", "api.xh": "404|201"},
    # Satisfaction callbacks: the clients allowed to make them (api.th), in
    # their institution's subtree; the 天河 case is not closed yet (400).
    "intake:complaint-callback": {"*": "401|401", "api.th": "400|404", "api.xh": "403|403"},
    "intake:callbacks-due": {"*": "401", "api.th": "200", "api.xh": "403"},
    "intake:status-lookup": {"*": "200|200"},
    # Public: the same answer whether the number exists (a code goes to the
    # phone on record only).
    "intake:status-lookup-code": {"*": "202"},
    "intake:unknown": {"*": "404"},
    # --- Downloads and printable notices --------------------------------------
    "complaints:attachment_download": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "complaints:letter": {"*": "200|404", "ho superuser": "200|200", "zj": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
    "complaints:letter_pdf": {"*": "200|404", "ho.manager ho.reviewer ho.compliance superuser": "200|200", "gd.senior th.viewer gd.viewer": "403|404", "ho.senior ho.viewer": "403|403", "zj.viewer": "404|403", "xh.handler": "404|200", "outsider sysadmin": "404|404", "signed-out": "login|login"},
}
# fmt: on


# --- The world, once per module ---------------------------------------------------
@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[World]:
    """Built once inside a transaction that is rolled back after the module;
    each test runs in its own savepoint inside it (pytest-django's `db`)."""
    media = tmp_path_factory.mktemp("matrix-media")
    settings = override_settings(
        # What the function-scoped fixtures of tests/conftest.py set, for the
        # pages the world opens while it is built.
        STORAGES={
            **django_settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        },
        MEDIA_ROOT=media,
        LANGUAGE_CODE="en",
        INTAKE_RATE_LIMIT_PER_MINUTE=100_000,
        INTAKE_STATUS_LOOKUP_PER_MINUTE=100_000,
        LOOKUP_FREE_FAILURES=100_000,
        LOOKUP_CODE_INTERVAL_SECONDS=0,
        LOOKUP_CODES_PER_DAY=100_000,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    clock = time_machine.travel(NOW, tick=False)
    with (
        django_db_blocker.unblock(),
        settings,
        clock,
        quiet_loggers(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@contextmanager
def quiet_loggers() -> Iterator[None]:
    """Thousands of expected 403s and 404s: logging each one (a traceback for
    every 403) would cost more than the requests."""
    loggers = [logging.getLogger(n) for n in ("django.request", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _tokens(key: str) -> list[str]:
    personas = []
    for token in key.split():
        members = GROUPS.get(token, token).split()
        for persona in members:
            assert persona in PERSONAS, f"unknown persona {persona!r} in EXPECTED"
        personas += members
    return personas


def expand(expected: dict[str, str]) -> dict[str, str]:
    row = {p: expected.get("*", "?") for p in PERSONAS}
    for key, value in expected.items():
        if key != "*":
            row.update(dict.fromkeys(_tokens(key), value))
    return row


def _name_group(personas: list[str]) -> str:
    """`personas` as group names where a whole group is in, then the rest."""
    left, names = set(personas), []
    for name, members in sorted(GROUPS.items(), key=lambda g: -len(g[1].split())):
        if set(members.split()) <= left:
            names.append(name)
            left -= set(members.split())
    return " ".join(names + [p for p in PERSONAS if p in left])


def compact(row: dict[str, str]) -> dict[str, str]:
    """The shortest EXPECTED form of `row`: the commonest answer as "*"."""
    common = Counter(row.values()).most_common(1)[0][0]
    groups: dict[str, list[str]] = {}
    for persona, value in row.items():
        if value != common:
            groups.setdefault(value, []).append(persona)
    return {"*": common, **{_name_group(ps): v for v, ps in groups.items()}}


def literal(key: str, row: dict[str, str]) -> str:
    cells = ", ".join(f'"{k}": "{v}"' for k, v in compact(row).items())
    return f'    "{key}": {{{cells}}},'


# --- The tests -----------------------------------------------------------------------
PROBES = probes()


def test_every_url_pattern_is_in_the_table() -> None:
    keys = {p.key for p in PROBES}
    unchecked = sorted(keys - set(EXPECTED))
    stale = sorted(set(EXPECTED) - keys)
    assert not unchecked, (
        "URL patterns missing from EXPECTED (their test_matrix failures print "
        f"the observed rows to check): {unchecked}"
    )
    assert not stale, f"EXPECTED lists patterns that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("probe", PROBES, ids=[p.key for p in PROBES])
def test_matrix(world: World, probe: Probe) -> None:
    row, problems = observe(world, probe)
    assert not problems, "\n".join(problems)
    observed = f"observed:\n{literal(probe.key, row)}"
    assert probe.key in EXPECTED, f"{probe.key} is not in EXPECTED; {observed}"
    expected = expand(EXPECTED[probe.key])
    diff = [
        f"{p}: expected {expected[p]}, got {row[p]}"
        for p in PERSONAS
        if row[p] != expected[p]
    ]
    assert not diff, "\n".join(diff) + "\n" + observed


# --- Writes outside the scope ------------------------------------------------------
WRITES = [
    p
    for p in PROBES
    if p.sided
    and p.pattern.model is not None
    and p.key.split(" ")[0].endswith(("_change", "_delete", "_act", "_simple_history"))
]


def _trace(model: type[Model], pk: Any) -> tuple[bool, int]:
    """Whether the row exists, and how many history rows it has."""
    history = getattr(model, "history", None)
    count = history.filter(id=pk).count() if history is not None else 0
    return model._default_manager.filter(pk=pk).exists(), count


@pytest.mark.django_db
@pytest.mark.parametrize("probe", WRITES, ids=[p.key for p in WRITES])
def test_writes_outside_scope_change_nothing(world: World, probe: Probe) -> None:
    """A POST (a confirmed delete, a submitted form) to the 西湖 object by
    everyone who may not see it answers like a GET and changes nothing."""
    model = probe.pattern.model
    assert model is not None
    obj = world.obj(model, "xh")
    before = _trace(model, obj.pk)
    url = request_for(world, probe, "xh").url
    refused = {"403", "404", "405", "login"}
    problems = []
    for persona in PERSONAS:
        if may_see(world, persona, probe, "xh") is not False:
            continue
        response = world.client(persona).post(url, {"post": "yes", "version": "x"})
        result = answer(response)
        # The admin's "no such object" answer is a redirect to its index.
        gone = result == "302" and response["Location"] == reverse("admin:index")
        if result not in refused and not gone:
            problems.append(f"{persona}: POST answers {result}")
    assert not problems, "\n".join(problems)
    assert _trace(model, obj.pk) == before
