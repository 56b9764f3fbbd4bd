"""Reads for reporting: KPIs, volumes and rates, dashboards' lists."""

from reporting.selectors.kpis import DIMENSIONS as DIMENSIONS
from reporting.selectors.kpis import METRICS as METRICS
from reporting.selectors.kpis import complaints_behind as complaints_behind
from reporting.selectors.kpis import complaints_in as complaints_in
from reporting.selectors.kpis import kpi_cross as kpi_cross
from reporting.selectors.kpis import kpi_monthly as kpi_monthly
from reporting.selectors.kpis import require_reports as require_reports
from reporting.selectors.tables import kpi_breakdown as kpi_breakdown
from reporting.selectors.tables import kpi_summary as kpi_summary
from reporting.selectors.tables import kpi_tables as kpi_tables
from reporting.selectors.tables import page_behind as page_behind
from reporting.selectors.volumes import business_volume as business_volume
from reporting.selectors.volumes import subtree_rates as subtree_rates
from reporting.selectors.work import handler_work as handler_work
from reporting.selectors.work import overdue_list as overdue_list
from reporting.selectors.work import quality_summary as quality_summary
from reporting.selectors.work import rectification_summary as rectification_summary
from reporting.selectors.work import report_roots as report_roots
from reporting.selectors.work import root_cause_frequency as root_cause_frequency
