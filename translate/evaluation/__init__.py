"""Measuring translation quality against reference translations (`translate evaluate`)."""
