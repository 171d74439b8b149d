"""Runtime: settings, the composition root, the command line, logs and metrics."""
