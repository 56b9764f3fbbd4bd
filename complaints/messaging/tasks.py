"""Background tasks (django-tasks; the database backend keeps the queue in the
application's database and `manage.py db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: int) -> None:
    from complaints.exchange import import_jobs

    import_jobs.import_job_run(job_id=job_id)
