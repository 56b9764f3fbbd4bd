"""Benchmark data at scale (`generate_complaints`): the demo insurer grown to a
few hundred institutions and millions of complaints with their case files and
history, written in bulk.

Not for demos or production: the rows are shaped as the services would write
them, but they are written directly (COPY on PostgreSQL), so the generator is
the one place that may bypass the services. Every history row is written
explicitly, so the audit trail of the generated data is complete.
"""
