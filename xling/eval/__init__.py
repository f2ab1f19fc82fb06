"""Evaluation: sacrebleu scoring, hypotheses produced through the engine, test sets, reports."""
