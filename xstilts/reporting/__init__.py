"""Reporting stage: results tables and the research-question summary."""
