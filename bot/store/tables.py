"""The archive's tables (SQLAlchemy Core). Alembic migrations create them; keep both in step."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("date", Date, nullable=False, unique=True),
    Column("source_url", Text),
    Column("origin", Text),
    Column("content_hash", String(64), nullable=False),
    Column("paper_count", Integer, nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
)

papers = Table(
    "papers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("arxiv_id", String(40), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("source", Text, nullable=False, default=""),
    Column("domain", Text, nullable=False, default=""),
    Column("contribution", Text, nullable=False, default=""),
    Column("usage", Text, nullable=False, default=""),
    Column("innovations", Text, nullable=False, default=""),
    Column("results", Text, nullable=False, default=""),
    Column("summary", Text, nullable=False, default=""),
    # Migration 0010: the untranslated title, and a digest's other labelled parts (bot/models.py).
    Column("original_title", Text, nullable=False, default="", server_default=""),
    Column("extra", Text, nullable=False, default="", server_default=""),
    Column("authors", JSON, nullable=False, default=list),
    Column("keywords", JSON, nullable=False, default=list),
    Column("upvotes", Integer),
    Column("github_repo", Text),
    Column("project_page", Text),
    Column("first_date", Date, nullable=False),
    Column("last_date", Date, nullable=False),
    # No copy of the search terms (migration 0011): SQLite's contentless FTS5 tables and, on
    # PostgreSQL, a `search_vector` tsvector column (left out here: SQLite has none) are written
    # from bot/store/terms.py by bot/store/archive.py.
)

report_papers = Table(
    "report_papers",
    metadata,
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
)

# Conditional-GET validators of remote report sources, shared by every replica.
http_cache = Table(
    "http_cache",
    metadata,
    Column("url", String(2048), primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body", Text, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
)

# One row per channel: what it follows, when and in which language its digest comes.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("workspace", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("topics", JSON, nullable=False, default=list),
    Column("keywords", JSON, nullable=False, default=list),
    # What the channel never wants (migration 0005): topic ids and keywords, as above.
    Column("excluded_topics", JSON, nullable=False, default=list),
    Column("excluded_keywords", JSON, nullable=False, default=list),
    # How the digest is cut (migration 0007); NULL: the default (bot.models.DigestSettings).
    Column("digest_size", Integer),
    Column("min_upvotes", Integer),
    Column("digest_order", String(16)),
    Column("cadence", String(16)),
    Column("cadence_day", Integer),
    # How its cards look (migration 0012): the papers' thumbnails, and `cards` or `compact`.
    Column("card_images", Boolean, nullable=False, default=False, server_default=false()),
    Column("card_layout", String(16), nullable=False, default="cards", server_default="cards"),
    Column("delivery_time", String(5), nullable=False),
    Column("tz", String(64), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("paused", Boolean, nullable=False, default=False),
    Column("paused_reason", Text),
    Column("created_by", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("platform", "workspace", "channel", name="uq_subscriptions_channel"),
)

# The delivery outbox (bot/delivery/deliverer.py): one row per channel and report date, unique, so a
# channel can never be given the same day's digest twice, whatever runs at once.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("workspace", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("report_date", Date, nullable=False),
    Column("status", String(16), nullable=False),  # pending, claimed, posted, failed, skipped
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(64)),
    Column("uncertain", Boolean, nullable=False, default=False),
    Column("lease_until", DateTime(timezone=True)),
    Column("next_part", Integer, nullable=False, default=0),
    Column("parts", Integer),
    Column("posted", JSON, nullable=False, default=list),
    Column("papers", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    # The digest as decided before its first post: a retry posts the rest of it (bot/delivery/decided.py).
    Column("digest", JSON),
    # What it holds: one day's report (`day`), or for a weekly channel the week keyed by its day
    # (`week`), which may be the date of a report it did not hold (migration 0017).
    Column("kind", String(8), nullable=False, server_default="day"),
    UniqueConstraint(
        "platform", "workspace", "channel", "report_date", "kind", name="uq_deliveries_channel_day_kind"
    ),
)

# Notices to operators and channel creators (bot/delivery/loud_failures.py): late reports, digests that failed
# for good, paused channels. Unique per (kind, subject, recipient), so every replica may ask for
# the same notice and it is still sent once; sent like the outbox: claimed with a lease, retried.
notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),  # report_late, no_report, delivery_failed, channel_paused
    Column("subject", String(128), nullable=False),  # what it is about: a date, a delivery key
    Column("recipient", String(200), nullable=False),  # bot.ports.Recipient, written out; "log"
    Column("platform", String(16), nullable=False),  # the recipient's: who can send it
    Column("locale", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending, claimed, sent, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(64)),
    Column("lease_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    UniqueConstraint("kind", "subject", "recipient", name="uq_notices_once"),
)

# Feedback (bot/ranking/feedback.py, bot/store/votes.py): each reader's latest 👍 / 👎 on a paper in a
# channel, with what the paper was about when the vote was cast; unique per (channel, paper,
# reader), so a new vote replaces the old one.
feedback_votes = Table(
    "feedback_votes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("workspace", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("arxiv_id", String(40), nullable=False),
    Column("voter", String(64), nullable=False),
    Column("direction", Integer, nullable=False),  # 1: more like this, -1: less like this
    Column("features", JSON, nullable=False),  # PaperFeatures.to_json()
    Column("voted_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("platform", "workspace", "channel", "arxiv_id", "voter", name="uq_feedback_votes_vote"),
)

# Which chat platforms a `paperbot run` has served from this database (bot/store/deployment.py):
# the mark of a platform deployment's database, which the console demo never writes into.
platform_runs = Table(
    "platform_runs",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("first_run_at", DateTime(timezone=True), nullable=False),
    Column("last_run_at", DateTime(timezone=True), nullable=False),
)
