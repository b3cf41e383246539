"""Data stage: sources (generator, hub, release files, translation) into the normalised store,
and tokenisation into features."""
