"""xstilts: intermediate-task training for zero-shot cross-lingual transfer."""
