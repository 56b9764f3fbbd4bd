"""Insight: warnings and suggestions learned from the insurer's own cases (issue 18).

Everything here runs on the insurer's server from its own data: no model or data is
downloaded at run time. Suggestions are never applied by themselves; a person
accepts them.
"""
