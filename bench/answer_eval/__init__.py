"""Evaluation set and benchmark for the answer grader (issue 12)."""
