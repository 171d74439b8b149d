"""paperbot: each day's new AI papers, in the chat channels where research teams talk."""

__version__ = "0.1.0"
