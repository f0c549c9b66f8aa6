"""newswatch: watch news articles and catch every revision."""

__version__ = "0.1.0"
