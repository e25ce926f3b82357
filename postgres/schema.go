package postgres

// migrations are applied in order, each in its own transaction; the
// database records which ran. Never edit one that has shipped: add another.
//
// Addresses are inet, so users can query with PostgreSQL's own operators;
// each network and unit also has its range as an inetrange (a range type
// over inet), indexed with GiST, for "which network holds this address".
var migrations = []string{
	`CREATE TYPE inetrange AS RANGE (subtype = inet);
	CREATE TABLE runs (
		id       bigserial PRIMARY KEY,
		started  timestamptz NOT NULL,
		finished timestamptz,               -- NULL while the run is in progress
		params   text NOT NULL DEFAULT '',
		spills   bigint NOT NULL DEFAULT 0  -- networks that reach past their unit
	);
	CREATE TABLE units (
		id            bigserial PRIMARY KEY,
		run           bigint NOT NULL REFERENCES runs(id),
		registry      text NOT NULL,
		kind          text NOT NULL,
		family        smallint NOT NULL,    -- 4 or 6
		start_ip      inet NOT NULL,
		end_ip        inet NOT NULL,
		cursor        inet,                 -- NULL once done
		state         text NOT NULL,        -- pending, leased, done
		lease_token   bigint NOT NULL DEFAULT 0,
		lease_owner   text NOT NULL DEFAULT '',
		lease_expires timestamptz NOT NULL DEFAULT '-infinity'
	);
	CREATE INDEX units_queue ON units (run, registry, state, id);
	CREATE INDEX units_any ON units (run, state, id);
	CREATE TABLE networks (
		id            bigserial PRIMARY KEY,
		run           bigint NOT NULL REFERENCES runs(id),
		registry      text NOT NULL,
		family        smallint NOT NULL,
		start_ip      inet NOT NULL,
		end_ip        inet NOT NULL,
		ip_range      inetrange NOT NULL,   -- [start_ip, end_ip]
		cidrs         cidr[] NOT NULL,      -- the range as prefixes
		handle        text NOT NULL,
		name          text NOT NULL,
		type          text NOT NULL,
		status        text[] NOT NULL,
		country       text NOT NULL,
		parent_handle text NOT NULL,
		origin_as     bigint[] NOT NULL,
		registered    timestamptz,
		last_changed  timestamptz,
		entities      jsonb NOT NULL,       -- holder and contacts, as ipatlas.Entity
		data          jsonb NOT NULL,       -- the whole ipatlas.Network
		UNIQUE (run, family, start_ip, end_ip, handle)
	);
	CREATE INDEX networks_range ON networks USING gist (ip_range);
	CREATE INDEX networks_run_order ON networks (run, family, start_ip, end_ip DESC, handle);
	CREATE TABLE answers (
		network bigint PRIMARY KEY REFERENCES networks(id),
		body    bytea NOT NULL              -- gzip of the answer as received
	);
	CREATE TABLE failures (
		id       bigserial PRIMARY KEY,
		run      bigint NOT NULL REFERENCES runs(id),
		registry text NOT NULL,
		family   smallint NOT NULL,
		addr     inet NOT NULL,
		span_end inet NOT NULL,
		reason   text NOT NULL,
		attempts integer NOT NULL,
		at       timestamptz NOT NULL,
		retried  boolean NOT NULL DEFAULT false
	);
	CREATE INDEX failures_run ON failures (run, retried);
	CREATE TABLE counts (
		run       bigint NOT NULL REFERENCES runs(id),
		registry  text NOT NULL,
		queries   bigint NOT NULL DEFAULT 0,
		answers   bigint NOT NULL DEFAULT 0,
		not_found bigint NOT NULL DEFAULT 0,
		redirects bigint NOT NULL DEFAULT 0,
		throttled bigint NOT NULL DEFAULT 0,
		retries   bigint NOT NULL DEFAULT 0,
		failures  bigint NOT NULL DEFAULT 0,
		skipped   bigint NOT NULL DEFAULT 0,
		waited    interval NOT NULL DEFAULT '0',
		PRIMARY KEY (run, registry)
	);`,
	// 2: the fleet's workers, failures recorded once (a commit is resent
	// when a dropped connection hid whether it landed), and history: each
	// finished run is a snapshot, and each network version is valid over
	// [valid_from, valid_to) between snapshots.
	`CREATE TABLE workers (
		id      text PRIMARY KEY,       -- the owner name its leases carry
		host    text NOT NULL,
		source  text NOT NULL,          -- the address its requests leave from; '' for the default
		budget  text NOT NULL,          -- the request budget it shares with other workers
		run     bigint NOT NULL,
		started timestamptz NOT NULL,
		seen    timestamptz NOT NULL,   -- the last heartbeat, by the database's clock
		stopped timestamptz,            -- NULL while it runs (or if it died)
		counts  jsonb NOT NULL,         -- what it did, per registry
		rates   jsonb NOT NULL          -- its recent queries per second, per registry
	);
	CREATE INDEX workers_budget ON workers (budget, seen);
	DELETE FROM failures a USING failures b
		WHERE a.id > b.id AND a.run = b.run AND a.family = b.family AND a.addr = b.addr AND NOT a.retried AND NOT b.retried;
	CREATE UNIQUE INDEX failures_once ON failures (run, family, addr) WHERE NOT retried;
	CREATE TABLE snapshots (
		id      bigserial PRIMARY KEY,
		at      timestamptz NOT NULL UNIQUE, -- when the data was true: the run's start
		run     bigint REFERENCES runs(id),
		source  text NOT NULL,
		created timestamptz NOT NULL DEFAULT now(),
		records integer NOT NULL,            -- networks in the snapshot
		added   integer NOT NULL,            -- against the snapshot before it
		removed integer NOT NULL,
		changed integer NOT NULL
	);
	CREATE TABLE network_versions (
		id            bigserial PRIMARY KEY,
		registry      text NOT NULL,
		family        smallint NOT NULL,
		start_ip      inet NOT NULL,
		end_ip        inet NOT NULL,
		ip_range      inetrange NOT NULL,
		cidrs         cidr[] NOT NULL,
		handle        text NOT NULL,
		name          text NOT NULL,
		type          text NOT NULL,
		status        text[] NOT NULL,
		country       text NOT NULL,
		parent_handle text NOT NULL,
		origin_as     bigint[] NOT NULL,
		registered    timestamptz,
		last_changed  timestamptz,
		entities      jsonb NOT NULL,
		record        jsonb NOT NULL,        -- the registration: what tells versions apart
		valid_from    timestamptz NOT NULL,  -- the first snapshot with this version
		valid_to      timestamptz,           -- the first snapshot without it; NULL while current
		valid         tstzrange GENERATED ALWAYS AS (tstzrange(valid_from, valid_to, '[)')) STORED
	);
	CREATE INDEX network_versions_at ON network_versions USING gist (ip_range, valid);
	CREATE INDEX network_versions_current ON network_versions USING gist (ip_range) WHERE valid_to IS NULL;
	CREATE UNIQUE INDEX network_versions_open ON network_versions (family, start_ip, end_ip, handle) WHERE valid_to IS NULL;
	CREATE INDEX network_versions_from ON network_versions (valid_from);
	CREATE INDEX network_versions_to ON network_versions (valid_to);
	CREATE VIEW current_networks AS SELECT * FROM network_versions WHERE valid_to IS NULL;`,
	// digest: what the unit's delegated-stats record said, so a refresh
	// finds the units whose records changed since.
	`ALTER TABLE units ADD COLUMN digest text NOT NULL DEFAULT '';`,
}
