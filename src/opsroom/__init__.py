"""opsroom: one system to run a platform's operations."""

__version__ = "0.1.0"
