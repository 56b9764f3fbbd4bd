"""Stored alerts, verdicts and trained models of the insight features."""
