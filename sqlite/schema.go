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
CREATE VIEW IF NOT EXISTS config_values (env, path, pointer, key, value, type) AS
	WITH RECURSIVE walk (env, path, pointer, key, value, type, container) AS (
		SELECT env, '', '', NULL, NULL, 'object', data FROM documents
		UNION ALL
		SELECT w.env,
			w.path || CASE
				WHEN e.type IS NULL THEN ''
				WHEN w.type = 'array' THEN '[' || e.key || ']'
				WHEN e.key <> '' AND e.key NOT GLOB '*[^A-Za-z0-9_]*' AND e.key NOT GLOB '[0-9]*'
					THEN CASE WHEN w.path = '' THEN '' ELSE '.' END || e.key
				ELSE CASE WHEN w.path = '' THEN '' ELSE '.' END || '"' || replace(replace(e.key, '\', '\\'), '"', '\"') || '"'
			END,
			w.pointer || '/' || replace(replace(e.key, '~', '~0'), '/', '~1'),
			e.key, e.value, e.type,
			CASE WHEN e.type IN ('object', 'array') THEN e.value END
		FROM walk AS w, json_each(w.container) AS e
		WHERE w.container IS NOT NULL
	)
	SELECT env, path, pointer, key, value, type FROM walk WHERE key IS NOT NULL;
`
