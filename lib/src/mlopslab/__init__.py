"""MLOps Lab: shared code for the teaching notebooks."""
