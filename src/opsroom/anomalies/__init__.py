"""Anomaly detection on metric streams: detectors that score each point of a series on
arrival."""
