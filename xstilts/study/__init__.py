"""The study: config validation, task and dataset registries, hyperparameters, recipes, plans."""
