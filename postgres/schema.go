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
}
