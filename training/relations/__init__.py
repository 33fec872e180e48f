"""Training command of the relation classifier: python -m training.relations."""
