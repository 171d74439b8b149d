-- Written by `python -m bot.store.schema_snapshot` from a database the migrations made:
-- do not edit; bot/store/schema_snapshot.py says why it is here.
-- revision: 0017

CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE reports (
	id INTEGER NOT NULL, 
	date DATE NOT NULL, 
	source_url TEXT, 
	origin TEXT, 
	content_hash VARCHAR(64) NOT NULL, 
	paper_count INTEGER NOT NULL, 
	ingested_at DATETIME NOT NULL, 
	CONSTRAINT pk_reports PRIMARY KEY (id), 
	CONSTRAINT uq_reports_date UNIQUE (date)
);
CREATE TABLE papers (
	id INTEGER NOT NULL, 
	arxiv_id VARCHAR(40) NOT NULL, 
	title TEXT NOT NULL, 
	url TEXT NOT NULL, 
	source TEXT NOT NULL, 
	domain TEXT NOT NULL, 
	contribution TEXT NOT NULL, 
	usage TEXT NOT NULL, 
	innovations TEXT NOT NULL, 
	results TEXT NOT NULL, 
	summary TEXT NOT NULL, 
	authors JSON NOT NULL, 
	keywords JSON NOT NULL, 
	upvotes INTEGER, 
	github_repo TEXT, 
	project_page TEXT, 
	first_date DATE NOT NULL, 
	last_date DATE NOT NULL, 
	original_title TEXT DEFAULT '' NOT NULL, extra TEXT DEFAULT '' NOT NULL, 
	CONSTRAINT pk_papers PRIMARY KEY (id), 
	CONSTRAINT uq_papers_arxiv_id UNIQUE (arxiv_id)
);
CREATE TABLE report_papers (
	report_id INTEGER NOT NULL, 
	paper_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	CONSTRAINT pk_report_papers PRIMARY KEY (report_id, paper_id), 
	CONSTRAINT fk_report_papers_report_id_reports FOREIGN KEY(report_id) REFERENCES reports (id) ON DELETE CASCADE, 
	CONSTRAINT fk_report_papers_paper_id_papers FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE
);
CREATE INDEX ix_report_papers_paper_id ON report_papers (paper_id);
CREATE TABLE http_cache (
	url VARCHAR(2048) NOT NULL, 
	etag TEXT, 
	last_modified TEXT, 
	body TEXT NOT NULL, 
	stored_at DATETIME NOT NULL, 
	CONSTRAINT pk_http_cache PRIMARY KEY (url)
);
CREATE TABLE slack_installations (
	id INTEGER NOT NULL, 
	client_id VARCHAR(32) NOT NULL, 
	app_id VARCHAR(32) NOT NULL, 
	enterprise_id VARCHAR(32), 
	enterprise_name VARCHAR(200), 
	enterprise_url VARCHAR(200), 
	team_id VARCHAR(32), 
	team_name VARCHAR(200), 
	bot_token VARCHAR(200), 
	bot_id VARCHAR(32), 
	bot_user_id VARCHAR(32), 
	bot_scopes VARCHAR(1000), 
	bot_refresh_token VARCHAR(200), 
	bot_token_expires_at DATETIME, 
	user_id VARCHAR(32) NOT NULL, 
	user_token VARCHAR(200), 
	user_scopes VARCHAR(1000), 
	user_refresh_token VARCHAR(200), 
	user_token_expires_at DATETIME, 
	incoming_webhook_url VARCHAR(200), 
	incoming_webhook_channel VARCHAR(200), 
	incoming_webhook_channel_id VARCHAR(200), 
	incoming_webhook_configuration_url VARCHAR(200), 
	is_enterprise_install BOOLEAN DEFAULT 0 NOT NULL, 
	token_type VARCHAR(32), 
	installed_at DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL, 
	CONSTRAINT pk_slack_installations PRIMARY KEY (id)
);
CREATE INDEX slack_installations_idx ON slack_installations (client_id, enterprise_id, team_id, user_id, installed_at);
CREATE TABLE slack_bots (
	id INTEGER NOT NULL, 
	client_id VARCHAR(32) NOT NULL, 
	app_id VARCHAR(32) NOT NULL, 
	enterprise_id VARCHAR(32), 
	enterprise_name VARCHAR(200), 
	team_id VARCHAR(32), 
	team_name VARCHAR(200), 
	bot_token VARCHAR(200), 
	bot_id VARCHAR(32), 
	bot_user_id VARCHAR(32), 
	bot_scopes VARCHAR(1000), 
	bot_refresh_token VARCHAR(200), 
	bot_token_expires_at DATETIME, 
	is_enterprise_install BOOLEAN DEFAULT 0 NOT NULL, 
	installed_at DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL, 
	CONSTRAINT pk_slack_bots PRIMARY KEY (id)
);
CREATE INDEX slack_bots_idx ON slack_bots (client_id, enterprise_id, team_id, installed_at);
CREATE TABLE slack_oauth_states (
	id INTEGER NOT NULL, 
	state VARCHAR(200) NOT NULL, 
	expire_at DATETIME NOT NULL, 
	CONSTRAINT pk_slack_oauth_states PRIMARY KEY (id)
);
CREATE TABLE notices (
	id INTEGER NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	subject VARCHAR(128) NOT NULL, 
	recipient VARCHAR(200) NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	locale VARCHAR(8) NOT NULL, 
	text TEXT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER DEFAULT '0' NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	claimed_by VARCHAR(64), 
	lease_until DATETIME, 
	last_error TEXT, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	sent_at DATETIME, 
	CONSTRAINT pk_notices PRIMARY KEY (id), 
	CONSTRAINT uq_notices_once UNIQUE (kind, subject, recipient)
);
CREATE INDEX ix_notices_due ON notices (status, next_attempt_at);
CREATE TABLE feedback_votes (
	id INTEGER NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	workspace VARCHAR(64) NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	arxiv_id VARCHAR(40) NOT NULL, 
	voter VARCHAR(64) NOT NULL, 
	direction INTEGER NOT NULL, 
	features JSON NOT NULL, 
	voted_at DATETIME NOT NULL, 
	CONSTRAINT pk_feedback_votes PRIMARY KEY (id), 
	CONSTRAINT uq_feedback_votes_vote UNIQUE (platform, workspace, channel, arxiv_id, voter)
);
CREATE TABLE platform_runs (
	platform VARCHAR(16) NOT NULL, 
	first_run_at DATETIME NOT NULL, 
	last_run_at DATETIME NOT NULL, 
	CONSTRAINT pk_platform_runs PRIMARY KEY (platform)
);
CREATE VIRTUAL TABLE papers_fts USING fts5(title_terms, body_terms, content='', tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE papers_lead_fts USING fts5(title_terms, domain_terms, content='', tokenize='porter unicode61 remove_diacritics 2');
CREATE TABLE "subscriptions" (
	id INTEGER NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	workspace VARCHAR(64) NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	topics JSON NOT NULL, 
	keywords JSON NOT NULL, 
	delivery_time VARCHAR(5) NOT NULL, 
	tz VARCHAR(64) NOT NULL, 
	locale VARCHAR(8) NOT NULL, 
	paused BOOLEAN DEFAULT 0 NOT NULL, 
	paused_reason TEXT, 
	created_by VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	excluded_topics JSON DEFAULT '[]' NOT NULL, 
	excluded_keywords JSON DEFAULT '[]' NOT NULL, 
	digest_size INTEGER, 
	min_upvotes INTEGER, 
	digest_order VARCHAR(16), 
	cadence VARCHAR(16), 
	cadence_day INTEGER, 
	card_images BOOLEAN DEFAULT 0 NOT NULL, 
	card_layout VARCHAR(16) DEFAULT 'cards' NOT NULL, 
	CONSTRAINT pk_subscriptions PRIMARY KEY (id), 
	CONSTRAINT uq_subscriptions_channel UNIQUE (platform, workspace, channel)
);
CREATE TABLE "deliveries" (
	id INTEGER NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	workspace VARCHAR(64) NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	report_date DATE NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	due_at DATETIME NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	attempts INTEGER DEFAULT '0' NOT NULL, 
	claimed_by VARCHAR(64), 
	uncertain BOOLEAN DEFAULT 0 NOT NULL, 
	lease_until DATETIME, 
	next_part INTEGER DEFAULT '0' NOT NULL, 
	parts INTEGER, 
	posted JSON NOT NULL, 
	papers INTEGER, 
	last_error TEXT, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	digest JSON, 
	kind VARCHAR(8) DEFAULT 'day' NOT NULL, 
	CONSTRAINT pk_deliveries PRIMARY KEY (id), 
	CONSTRAINT uq_deliveries_channel_day_kind UNIQUE (platform, workspace, channel, report_date, kind)
);
CREATE INDEX ix_deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX ix_deliveries_unfinished ON deliveries (platform, workspace, channel, report_date) WHERE status IN ('pending', 'claimed');
INSERT INTO "alembic_version" VALUES ('0017');
INSERT INTO papers_fts(papers_fts, rank) VALUES ('hashsize', 16777216);
INSERT INTO papers_lead_fts(papers_lead_fts, rank) VALUES ('hashsize', 16777216);
