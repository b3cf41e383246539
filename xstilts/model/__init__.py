"""Model stage: encoders with task heads, the training loop, task sampling, MLM pretraining."""
