"""Choosing priorities: threat, harm and risk scoring, the evidence, assessments and the action plan."""
