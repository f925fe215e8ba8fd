package sqlite

// formatVersion is the version of the tables below. A database with a
// higher version is refused; a lower one would be upgraded here.
const formatVersion = 1

const ddl = `
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS documents (
	env      TEXT PRIMARY KEY,
	data     TEXT NOT NULL,
	revision INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS backups (
	env      TEXT NOT NULL,
	id       TEXT NOT NULL,
	taken_at INTEGER NOT NULL,
	data     TEXT NOT NULL,
	PRIMARY KEY (env, id)
) STRICT;
CREATE INDEX IF NOT EXISTS backups_by_time ON backups (env, taken_at, id);
CREATE VIEW IF NOT EXISTS config_values (env, path, key, value, type) AS
	SELECT d.env, t.fullkey, t.key, t.value, t.type
	FROM documents AS d, json_tree(d.data) AS t
	WHERE t.fullkey <> '$';
`
