"""Sentence alignment: beads between the sentences of two sides (aligner), model-free evidence (anchors)."""
