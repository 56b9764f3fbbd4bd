from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Enough for a complaint row or its history row (about 90 columns each), and
# for the KPI rollup's ledger statement (reporting.rollup._insert: about 170
# parameters in about 19 kB of SQL, the same text at every complaint write).
CACHED_STATEMENT_PARAMS = 256
CACHED_STATEMENT_LENGTH = 32 * 1024


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints.integrity import staff_accounts
        from complaints.models.records import connect_notice_evidence

        cache_wide_statements()
        staff_accounts.connect()
        connect_notice_evidence()
        from complaints.admin import staff_accounts as staff_admin

        staff_admin.install()
        from complaints.workbench import personal_fields  # noqa: F401  (registers them)


def cache_wide_statements() -> None:
    """Let psycopg reuse its parse of the complaint's INSERT statements.

    psycopg splits a statement at its %s placeholders on every execution when
    it has more than 50 parameters (MAX_CACHED_STATEMENT_PARAMS), and inserting
    a complaint and its history row binds about 90 each: a fifth of the
    client's work per registration. The split depends on the SQL text alone and
    is kept in an lru_cache of 128 statements, so raising the limits costs at
    most 128 parses of 32 kB per process. Statements over 4096 bytes were never
    cached, and the rollup's ledger statement, run twice at every complaint
    write, is longer. Bulk inserts longer than the new limit are still never
    cached. If a later psycopg drops the constants, this does nothing.
    """
    try:
        from psycopg import _queries
    except ImportError:  # SQLite-only installation
        return
    limit = getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", None)
    if isinstance(limit, int) and limit < CACHED_STATEMENT_PARAMS:
        _queries.MAX_CACHED_STATEMENT_PARAMS = CACHED_STATEMENT_PARAMS
    length = getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", None)
    if isinstance(length, int) and length < CACHED_STATEMENT_LENGTH:
        _queries.MAX_CACHED_STATEMENT_LENGTH = CACHED_STATEMENT_LENGTH
