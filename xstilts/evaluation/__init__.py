"""Evaluation stage: predictions per language, official-equivalent metrics, score files."""
