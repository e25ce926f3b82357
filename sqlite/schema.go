package sqlite

// migrations are applied in order; the database records how many ran.
// Never edit one that has shipped: add another.
var migrations = []string{
	`CREATE TABLE runs (
		id       INTEGER PRIMARY KEY,
		started  INTEGER NOT NULL, -- unix nanoseconds
		finished INTEGER,          -- NULL while the run is in progress
		params   TEXT NOT NULL DEFAULT '',
		spills   INTEGER NOT NULL DEFAULT 0 -- networks that reach past their unit
	);
	CREATE TABLE units (
		id            INTEGER PRIMARY KEY,
		run           INTEGER NOT NULL REFERENCES runs(id),
		registry      TEXT NOT NULL,
		kind          TEXT NOT NULL,
		family        INTEGER NOT NULL, -- 4 or 6
		first         BLOB NOT NULL,    -- addresses: 4 or 16 bytes, big-endian, so BLOB order is address order
		last          BLOB NOT NULL,
		cursor        BLOB,             -- NULL once done
		state         TEXT NOT NULL,
		lease_token   INTEGER NOT NULL DEFAULT 0,
		lease_owner   TEXT NOT NULL DEFAULT '',
		lease_expires INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX units_queue ON units(run, registry, state, id);
	CREATE INDEX units_any ON units(run, state, id);
	CREATE TABLE networks (
		id            INTEGER PRIMARY KEY,
		run           INTEGER NOT NULL REFERENCES runs(id),
		registry      TEXT NOT NULL,
		family        INTEGER NOT NULL,
		first         BLOB NOT NULL,
		last          BLOB NOT NULL,
		handle        TEXT NOT NULL,
		name          TEXT NOT NULL,
		type          TEXT NOT NULL,
		country       TEXT NOT NULL,
		parent_handle TEXT NOT NULL,
		data          BLOB NOT NULL, -- the whole ipatlas.Network as JSON
		UNIQUE (run, family, first, last, handle)
	);
	CREATE TABLE answers (
		network INTEGER PRIMARY KEY REFERENCES networks(id),
		body    BLOB NOT NULL -- gzip of the answer as received
	);
	CREATE TABLE failures (
		id       INTEGER PRIMARY KEY,
		run      INTEGER NOT NULL REFERENCES runs(id),
		registry TEXT NOT NULL,
		family   INTEGER NOT NULL,
		addr     BLOB NOT NULL,
		span_end BLOB NOT NULL,
		reason   TEXT NOT NULL,
		attempts INTEGER NOT NULL,
		at       INTEGER NOT NULL,
		retried  INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX failures_run ON failures(run, retried);
	CREATE TABLE counts (
		run       INTEGER NOT NULL REFERENCES runs(id),
		registry  TEXT NOT NULL,
		queries   INTEGER NOT NULL DEFAULT 0,
		answers   INTEGER NOT NULL DEFAULT 0,
		not_found INTEGER NOT NULL DEFAULT 0,
		redirects INTEGER NOT NULL DEFAULT 0,
		throttled INTEGER NOT NULL DEFAULT 0,
		retries   INTEGER NOT NULL DEFAULT 0,
		failures  INTEGER NOT NULL DEFAULT 0,
		skipped   INTEGER NOT NULL DEFAULT 0,
		waited    INTEGER NOT NULL DEFAULT 0, -- nanoseconds
		PRIMARY KEY (run, registry)
	);`,
	`CREATE TABLE snapshots (
		id       INTEGER PRIMARY KEY,
		at       INTEGER NOT NULL UNIQUE, -- unix nanoseconds: when the data was true
		datetime TEXT NOT NULL,           -- at, as given
		source   TEXT NOT NULL,
		created  INTEGER NOT NULL,
		records  INTEGER NOT NULL,
		added    INTEGER NOT NULL,
		removed  INTEGER NOT NULL,
		changed  INTEGER NOT NULL,
		delta    BLOB NOT NULL -- history.Encode of the changes from the snapshot before it in time
	);`,
	`CREATE TABLE workers (
		id      TEXT PRIMARY KEY, -- the owner name its leases carry
		host    TEXT NOT NULL,
		source  TEXT NOT NULL,    -- the address its requests leave from; '' for the default
		budget  TEXT NOT NULL,    -- the request budget it shares
		run     INTEGER NOT NULL,
		started INTEGER NOT NULL, -- unix nanoseconds
		seen    INTEGER NOT NULL, -- the last heartbeat
		stopped INTEGER,          -- NULL while it runs (or if it died)
		counts  BLOB NOT NULL,    -- JSON: its ipatlas.Counts per registry
		rates   BLOB NOT NULL     -- JSON: its recent queries per second, per registry
	);
	CREATE INDEX workers_budget ON workers(budget, seen);`,
	// digest: what the unit's delegated-stats record said, so a refresh
	// finds the units whose records changed since.
	`ALTER TABLE units ADD COLUMN digest TEXT NOT NULL DEFAULT '';`,
	// dumps: the bulk RPSL dumps loaded, each one registry's networks of
	// one IP version stored as the snapshot at its date.
	`CREATE TABLE dumps (
		registry TEXT NOT NULL,
		family   INTEGER NOT NULL, -- 4 or 6
		at       INTEGER NOT NULL, -- unix nanoseconds: the snapshot it is part of
		datetime TEXT NOT NULL,
		source   TEXT NOT NULL,    -- the files it was read from
		networks INTEGER NOT NULL,
		loaded   INTEGER NOT NULL, -- unix nanoseconds: when it was first loaded
		PRIMARY KEY (registry, family, at)
	);`,
}
