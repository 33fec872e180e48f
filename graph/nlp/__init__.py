"""spaCy components and model architectures of the extraction pipeline."""
