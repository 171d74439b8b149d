"""Chat: the `/paper` command table, its use cases and the subscription changes they make."""
