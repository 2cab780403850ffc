"""Distribution: signing, verifying and bundling published folders for readers."""
