"""Ranking: a channel's digest, its weekly form, community signals and 👍/👎 tuning."""
