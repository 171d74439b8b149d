"""Delivery: planning what is due, the outbox pass, the scheduler and loud failures."""
