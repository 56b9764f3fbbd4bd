"""Everything that goes out: the outbox of notices and staff alerts, letters, SMS, and
the background jobs that sweep deadlines and deliver."""
