package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// isPGURI reports whether a PostgreSQL DSN is a URI rather than libpq
// key=value pairs.
func isPGURI(dsn string) bool {
	d := strings.TrimSpace(dsn)
	return strings.HasPrefix(d, "postgres://") || strings.HasPrefix(d, "postgresql://")
}

// pgParseKV splits a libpq key=value string. Values may be single-quoted
// with backslash escapes. It returns nil when the string does not parse.
func pgParseKV(s string) map[string]string {
	out := map[string]string{}
	s = strings.TrimSpace(s)
	for len(s) > 0 {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t\n\r")
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			s = s[1:]
			closed := false
			for i := 0; i < len(s); i++ {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					val.WriteByte(s[i+1])
					i++
					continue
				}
				if c == '\'' {
					s, closed = s[i+1:], true
					break
				}
				val.WriteByte(c)
			}
			if !closed {
				return nil
			}
		} else {
			end := strings.IndexAny(s, " \t\n\r")
			if end < 0 {
				end = len(s)
			}
			for i := 0; i < end; i++ {
				if s[i] == '\\' && i+1 < end {
					i++
				}
				val.WriteByte(s[i])
			}
			s = s[end:]
		}
		out[key] = val.String()
		s = strings.TrimLeft(s, " \t\n\r")
	}
	return out
}

// pgQuoteKV quotes a libpq value.
func pgQuoteKV(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// pgSSLSettings maps [backend_tls] onto libpq/pgx sslmode settings the way
// GreptimeDB's rustls connector behaves: prefer and require do not verify
// the certificate, verify_ca checks the chain only, verify_full also the
// host name. See src/common/meta/src/kv_backend/rds/postgres.rs
// (create_postgres_tls_connector).
func pgSSLSettings(c backendTLSConfig, dsnMode string) map[string]string {
	s := map[string]string{}
	switch c.Mode {
	case "disable":
		s["sslmode"] = "disable"
	case "require":
		s["sslmode"] = "require"
	case "verify_ca":
		s["sslmode"] = "verify-ca"
	case "verify_full":
		s["sslmode"] = "verify-full"
	default: // prefer: the DSN's own sslmode (disable|prefer|require) decides
		switch dsnMode {
		case "disable", "require":
			s["sslmode"] = dsnMode
		default:
			s["sslmode"] = "prefer"
		}
	}
	if (c.Mode == "verify_ca" || c.Mode == "verify_full") && c.CA != "" {
		s["sslrootcert"] = c.CA
	}
	if s["sslmode"] != "disable" && c.Cert != "" && c.Key != "" {
		s["sslcert"], s["sslkey"] = c.Cert, c.Key
	}
	return s
}

// pgConnString applies settings to a DSN, overriding what it says.
func pgConnString(dsn string, settings map[string]string) (string, error) {
	dsn = strings.TrimSpace(dsn)
	if isPGURI(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", configErrorf("store_addrs[0] is not a valid PostgreSQL URI: %v", err)
		}
		q := u.Query()
		for _, k := range probeSortedKeys(settings) {
			q.Set(k, settings[k])
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	if pgParseKV(dsn) == nil {
		return "", configErrorf("store_addrs[0] is neither a postgres:// URI nor libpq key=value pairs")
	}
	var b strings.Builder
	b.WriteString(dsn)
	for _, k := range probeSortedKeys(settings) {
		b.WriteString(" " + k + "=" + pgQuoteKV(settings[k]))
	}
	return b.String(), nil
}

// dsnSSLMode returns the sslmode written in a DSN.
func dsnSSLMode(dsn string) string {
	if isPGURI(dsn) {
		if u, err := url.Parse(strings.TrimSpace(dsn)); err == nil {
			return u.Query().Get("sslmode")
		}
		return ""
	}
	return pgParseKV(dsn)["sslmode"]
}

// pgDSNHasPassword reports whether a DSN carries a password itself.
func pgDSNHasPassword(dsn string) bool { return len(redact.DSNSecrets(dsn)) > 0 }

// pgColumn is one column of the metadata table.
type pgColumn struct {
	Name, Type string
	Primary    bool
}

// ProbePostgres checks the postgres_store backend: it connects as metasrv
// would, checks the metadata table (or the privilege to create it), and,
// unless ReadOnly, writes a row inside a transaction that it rolls back.
// It never creates or alters anything.
func ProbePostgres(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		if t.Addr == "" {
			r.fail(ClassConfig, "set store_addrs to a PostgreSQL URI (postgres://HOST:5432/DBNAME with the user and password) or libpq key=value pairs",
				`backend = "postgres_store" needs store_addrs[0], a PostgreSQL connection string`)
			return
		}
		// The host and database as pgx reads them: never url.Parse's
		// reading, which may differ (a list of hosts, a host= that a
		// backslash-escaped password runs into).
		d, perr := redact.ParsePostgres(t.Addr)
		if r.refuseAmbiguous(d, perr) {
			return
		}
		if perr != nil && pgParseKV(t.Addr) == nil && !isPGURI(t.Addr) {
			r.fail(ClassConfig, "write store_addrs[0] as a postgres:// URI or as libpq key=value pairs (host=... dbname=...)",
				"store_addrs[0] is not a PostgreSQL connection string")
			return
		}
		// A string pgx refuses is reported below, with pgx's reason.
		if perr == nil && d.Database == "" {
			r.fail(ClassConfig, "name the database in store_addrs[0]: the URI path (postgres://HOST:5432/DBNAME) or dbname=...",
				"store_addrs[0] names no database: GreptimeDB fails at start with DbnameMissing")
			return
		}
		btls := readBackendTLS(t.File)
		cfg, err := pgConnConfig(r, btls, clientTimeout(ctx))
		var pe *pgParseError
		switch {
		case errors.As(err, &pe):
			class, sug := classify(pe.err)
			if class == ClassNotFound || class == ClassPermission {
				r.at("backend_tls.ca_cert_path", "backend_tls.cert_path", t.Key)
			} else {
				class, sug = ClassConfig, "fix the connection string in store_addrs[0] or the [backend_tls] files"
			}
			r.fail(class, sug, "store_addrs[0] does not parse: %s", probeErrText(pe.err))
			return
		case err != nil:
			r.failErr(err, classify, "cannot use store_addrs[0]")
			return
		}
		where := probeDisplayDSN("postgres", t.Addr)

		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			class, sug := classifyPG(err)
			if class == ClassTLS {
				r.at("backend_tls.ca_cert_path", "backend_tls.mode", t.Key)
				sug += fmt.Sprintf(" ([backend_tls] mode = %q)", btls.Mode)
			}
			r.fail(class, sug, "cannot connect to PostgreSQL %s: %s", where, probeErrText(err))
			return
		}
		defer func() {
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			_ = conn.Close(cctx)
		}()

		var version, user, database string
		var curSchema *string
		err = conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_user, current_database(), current_schema()`).
			Scan(&version, &user, &database, &curSchema)
		if err != nil {
			r.failErr(err, classifyPG, "connected to %s but a basic query failed", where)
			return
		}
		facts := []string{"PostgreSQL " + version, "user " + user}
		if _, ok := conn.PgConn().Conn().(*tls.Conn); ok {
			facts = append(facts, "TLS")
		}

		table := probeString(t.File, "meta_table_name", defaultMetaTable)
		schema := probeString(t.File, "meta_schema_name", "")
		if schema == "" {
			if curSchema == nil {
				r.at("meta_schema_name", t.Key)
				r.fail(ClassConfig, "set meta_schema_name, or give the role a search_path whose first schema exists",
					"no schema on the search_path of %s exists, so metasrv cannot create %q", user, table)
				return
			}
			schema = *curSchema
		}
		var schemaExists bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&schemaExists); err != nil {
			r.failErr(err, classifyPG, "cannot look up schema %q", schema)
			return
		}
		qualified := fmt.Sprintf("%s.%s", schema, table)
		if !schemaExists {
			pgMissingSchema(ctx, r, conn, schema, table, user, database, facts)
			return
		}
		var tableOID *uint32
		err = conn.QueryRow(ctx, `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, schema, table).Scan(&tableOID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			r.failErr(err, classifyPG, "cannot look up table %s", qualified)
			return
		}
		if tableOID == nil {
			var canCreate, canUse bool
			if err := conn.QueryRow(ctx, `SELECT has_schema_privilege($1, 'CREATE'), has_schema_privilege($1, 'USAGE')`, schema).Scan(&canCreate, &canUse); err != nil {
				r.failErr(err, classifyPG, "cannot check privileges on schema %q", schema)
				return
			}
			if !canCreate || !canUse {
				r.at("meta_schema_name", "meta_table_name", t.Key)
				r.fail(ClassPermission, fmt.Sprintf("GRANT USAGE, CREATE ON SCHEMA %q TO %q, create the table in advance, or set meta_schema_name to a schema the role may create in", schema, user),
					"table %s does not exist and role %s lacks CREATE on schema %q, so metasrv cannot create it (%s)", qualified, user, schema, strings.Join(facts, ", "))
				return
			}
			r.at("meta_table_name", t.Key)
			r.warn("nothing to do if this is a new cluster; otherwise check meta_table_name and meta_schema_name point at the existing metadata",
				"table %s does not exist yet: metasrv will create it (role %s may create in schema %q; %s)", qualified, user, schema, strings.Join(facts, ", "))
			return
		}

		// The table exists: it must look like the one GreptimeDB creates,
		// CREATE TABLE t(k bytea PRIMARY KEY, v bytea).
		cols, err := pgColumns(ctx, conn, *tableOID)
		if err != nil {
			r.failErr(err, classifyPG, "cannot read the columns of %s", qualified)
			return
		}
		if problem := judgeKVColumns(cols, kvPostgres, 0).Problem; problem != "" {
			r.at("meta_table_name", t.Key)
			r.fail(ClassConfig, "point meta_table_name (and meta_schema_name) at GreptimeDB's metadata table, or at a name that does not exist yet",
				"table %s is not a GreptimeDB metadata table: %s", qualified, problem)
			return
		}
		var sel, ins, upd, del bool
		if err := conn.QueryRow(ctx, `SELECT has_table_privilege($1::oid, 'SELECT'), has_table_privilege($1::oid, 'INSERT'),
			has_table_privilege($1::oid, 'UPDATE'), has_table_privilege($1::oid, 'DELETE')`, *tableOID).Scan(&sel, &ins, &upd, &del); err != nil {
			r.failErr(err, classifyPG, "cannot check privileges on %s", qualified)
			return
		}
		var missing []string
		for _, p := range []struct {
			ok   bool
			name string
		}{{sel, "SELECT"}, {ins, "INSERT"}, {upd, "UPDATE"}, {del, "DELETE"}} {
			if !p.ok {
				missing = append(missing, p.name)
			}
		}
		if len(missing) > 0 {
			r.at("meta_table_name", t.Key)
			r.fail(ClassPermission, fmt.Sprintf("GRANT %s ON %s TO %q", strings.Join(missing, ", "), qualified, user),
				"role %s lacks %s on %s", user, strings.Join(missing, ", "), qualified)
			return
		}
		root := etcdTestRoot(t.File)
		tableRef := pgx.Identifier{schema, table}.Sanitize()
		if left := pgLeftovers(ctx, conn, tableRef, root); len(left) > 0 {
			r.leftovers(left, fmt.Sprintf("DELETE FROM %s WHERE k LIKE '%s%%'", qualified, root))
		}
		facts = append(facts, "table "+qualified+" has the expected columns")
		if t.Opts.ReadOnly {
			r.pass("PostgreSQL %s is usable: %s; read-only, write test skipped", where, strings.Join(facts, ", "))
			return
		}
		dur, err := pgRolledBackWrite(ctx, r, conn, tableRef, etcdTestPrefix(t.File, t.Opts.RunID)+"probe")
		if err != nil {
			r.at("meta_table_name", t.Key)
			r.failErr(err, classifyPG, "the rolled-back write test on %s failed", qualified)
			return
		}
		if left := pgLeftovers(ctx, conn, tableRef, root); len(left) > 0 {
			r.leftovers(left, fmt.Sprintf("DELETE FROM %s WHERE k LIKE '%s%%'", qualified, root))
		}
		r.res.Metrics = append(r.res.Metrics, report.Metric{Name: "postgres_write_latency", Value: dur.Seconds(), Unit: "seconds"})
		r.pass("PostgreSQL %s is usable: %s, write/read test rolled back", where, strings.Join(facts, ", "))
	})
}

// pgMissingSchema handles a meta_schema_name that does not exist.
func pgMissingSchema(ctx context.Context, r *probeRun, conn *pgx.Conn, schema, table, user, database string, facts []string) {
	f := r.t.File
	r.at("meta_schema_name", r.t.Key)
	if !probeBool(f, "auto_create_schema", true) {
		r.fail(ClassNotFound, fmt.Sprintf("create it (CREATE SCHEMA %q) or set auto_create_schema = true", schema),
			"schema %q (meta_schema_name) does not exist and auto_create_schema = false", schema)
		return
	}
	var canCreate bool
	if err := conn.QueryRow(ctx, `SELECT has_database_privilege(current_database(), 'CREATE')`).Scan(&canCreate); err != nil {
		r.failErr(err, classifyPG, "cannot check privileges on database %q", database)
		return
	}
	if !canCreate {
		r.fail(ClassPermission, fmt.Sprintf("GRANT CREATE ON DATABASE %q TO %q, or create schema %q in advance", database, user, schema),
			"schema %q does not exist and role %s lacks CREATE on database %q, so metasrv cannot create it", schema, user, database)
		return
	}
	r.warn("nothing to do if this is a new cluster; otherwise check meta_schema_name",
		"schema %q and table %q do not exist yet: metasrv will create them (auto_create_schema = true; %s)", schema, table, strings.Join(facts, ", "))
}

func pgColumns(ctx context.Context, conn *pgx.Conn, oid uint32) ([]pgColumn, error) {
	rows, err := conn.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod),
			COALESCE((SELECT i.indisprimary FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY(i.indkey)), false)
		FROM pg_attribute a WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, oid)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (pgColumn, error) {
		var c pgColumn
		err := row.Scan(&c.Name, &c.Type, &c.Primary)
		return c, err
	})
}

// pgRolledBackWrite inserts and reads back a row inside a transaction and
// rolls it back, so nothing is ever committed.
func pgRolledBackWrite(ctx context.Context, r *probeRun, conn *pgx.Conn, tableRef, key string) (time.Duration, error) {
	start := time.Now()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		if err := tx.Rollback(cctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
			r.note("rollback failed: %s", probeErrText(err))
		}
	}()
	value := []byte("stepstone probe " + r.t.Opts.RunID)
	if _, err := tx.Exec(ctx, "INSERT INTO "+tableRef+" (k, v) VALUES ($1, $2)", []byte(key), value); err != nil {
		return 0, err
	}
	afterWrite("postgres")
	var got []byte
	if err := tx.QueryRow(ctx, "SELECT v FROM "+tableRef+" WHERE k = $1", []byte(key)).Scan(&got); err != nil {
		return 0, err
	}
	if string(got) != string(value) {
		return 0, errors.New("the row read back differs from the row written")
	}
	return time.Since(start), nil
}

// pgLeftovers lists committed rows under stepstone's test prefix.
func pgLeftovers(ctx context.Context, conn *pgx.Conn, tableRef, root string) []string {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	rows, err := conn.Query(cctx, "SELECT k FROM "+tableRef+" WHERE substring(k from 1 for $2) = $1 LIMIT 20", []byte(root), len(root))
	if err != nil {
		return nil
	}
	keys, _ := pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
		var k []byte
		err := row.Scan(&k)
		return string(k), err
	})
	return keys
}

// pgParseError is a connection string pgx cannot parse.
type pgParseError struct{ err error }

func (e *pgParseError) Error() string { return e.err.Error() }

// pgConnConfig is store_addrs[0] as metasrv connects: [backend_tls] over
// the DSN's sslmode. It registers the connection string and the password
// as secrets before pgx sees them (the connection string's credentials,
// not the whole string). A string that is neither a URI nor
// key=value pairs is a configError, one pgx refuses a *pgParseError.
func pgConnConfig(r *probeRun, btls backendTLSConfig, timeout time.Duration) (*pgx.ConnConfig, error) {
	dsn := r.t.Addr
	cs, err := pgConnString(dsn, pgSSLSettings(btls, dsnSSLMode(dsn)))
	if err != nil {
		return nil, err
	}
	r.addSecrets(redact.DSNSecrets(cs)...) // the password, not the whole string: its fragments would mask the host and database
	cfg, err := pgx.ParseConfig(cs)
	if err != nil {
		return nil, &pgParseError{err}
	}
	// GreptimeDB's driver (tokio-postgres) reads neither PGPASSWORD nor
	// ~/.pgpass, so only a password in the DSN counts.
	if !pgDSNHasPassword(dsn) {
		cfg.Password = ""
	}
	r.addSecrets(cfg.Password)
	cfg.ConnectTimeout = timeout
	cfg.RuntimeParams["application_name"] = "stepstone"
	return cfg, nil
}

// PostgreSQL SQLSTATE codes stepstone tells apart. See
// https://www.postgresql.org/docs/current/errcodes-appendix.html
const (
	pgInvalidPassword       = "28P01"
	pgInvalidAuthSpec       = "28000"
	pgInsufficientPrivilege = "42501"
	pgInvalidCatalogName    = "3D000"
	pgInvalidSchemaName     = "3F000"
	pgUndefinedTable        = "42P01"
	pgTooManyConnections    = "53300"
	pgCannotConnectNow      = "57P03"
)

// classifyPG recognises PostgreSQL server errors by SQLSTATE.
func classifyPG(err error) (string, string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgInvalidPassword:
			return ClassAuth, "PostgreSQL rejected the password: fix the password in store_addrs[0] (or PGPASSWORD/.pgpass)"
		case pgInvalidAuthSpec:
			return ClassAuth, "PostgreSQL refused this user from this host (pg_hba.conf) or the role cannot log in: add a pg_hba.conf rule or fix the user in store_addrs[0]"
		case pgInsufficientPrivilege:
			return ClassPermission, "the role lacks a privilege metasrv needs: GRANT it (see the message) or use a role that has it"
		case pgInvalidCatalogName:
			return ClassNotFound, "the database in store_addrs[0] does not exist: create it (CREATE DATABASE) or fix dbname"
		case pgInvalidSchemaName:
			return ClassNotFound, "the schema does not exist: create it, fix meta_schema_name, or set auto_create_schema = true"
		case pgUndefinedTable:
			return ClassNotFound, "the table does not exist"
		case pgTooManyConnections, pgCannotConnectNow:
			return ClassRefused, "PostgreSQL does not accept connections now (too many clients or starting up)"
		}
		return ClassOther, "PostgreSQL returned SQLSTATE " + pe.Code
	}
	return classify(err)
}

// BenchPostgres measures the round trip of a point write and a point read
// of the metadata table of postgres_store, inside a transaction that is
// rolled back, so nothing is ever committed. It needs the table: before
// metasrv's first start there is nothing to measure.
func BenchPostgres(ctx context.Context, t Target) report.ProbeResult {
	return runBench(ctx, t, func(ctx context.Context, b *benchRun) {
		r, p := b.r, b.perf
		conn, err := pgBenchConnect(ctx, r)
		if err != nil {
			r.failErr(err, classifyPG, "cannot connect to PostgreSQL")
			return
		}
		defer func() {
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			_ = conn.Close(cctx)
		}()
		table := probeString(t.File, "meta_table_name", defaultMetaTable)
		schema := probeString(t.File, "meta_schema_name", "")
		if schema == "" {
			var cur *string
			if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&cur); err != nil || cur == nil {
				r.skip("no schema on the search_path exists, so there is no metadata table to measure")
				return
			}
			schema = *cur
		}
		tableRef := pgx.Identifier{schema, table}.Sanitize()
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", tableRef).Scan(&exists); err != nil {
			r.failErr(err, classifyPG, "cannot look up table %s.%s", schema, table)
			return
		}
		if !exists {
			r.skip("table %s.%s does not exist yet, so there is nothing to measure (metasrv creates it at its first start)", schema, table)
			return
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			r.failErr(err, classifyPG, "cannot begin a transaction")
			return
		}
		root := etcdTestRoot(t.File)
		defer func() {
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			if err := tx.Rollback(cctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
				r.note("rollback failed: %s", probeErrText(err))
			}
			if left := pgLeftovers(ctx, conn, tableRef, root); len(left) > 0 {
				r.leftovers(left, fmt.Sprintf("DELETE FROM %s.%s WHERE k LIKE '%s%%'", schema, table, root))
			}
		}()
		value := make([]byte, p.ValueSize)
		_, _ = rand.Read(value)
		b.steps = 1
		b.tell("SQL round trips")
		b.roundTrips(ctx,
			func(ctx context.Context, key string) error {
				_, err := tx.Exec(ctx, "INSERT INTO "+tableRef+" (k, v) VALUES ($1, $2)", []byte(key), value)
				return err
			},
			func(ctx context.Context, key string) error {
				var got []byte
				if err := tx.QueryRow(ctx, "SELECT v FROM "+tableRef+" WHERE k = $1", []byte(key)).Scan(&got); err != nil {
					return err
				}
				if !bytes.Equal(got, value) {
					return errors.New("the row read back differs from the row written")
				}
				return nil
			},
			etcdTestPrefix(t.File, t.Opts.RunID)+"bench/", classifyPG)
	})
}

// pgBenchConnect connects as ProbePostgres does.
func pgBenchConnect(ctx context.Context, r *probeRun) (*pgx.Conn, error) {
	cfg, err := pgConnConfig(r, readBackendTLS(r.t.File), r.t.Opts.Perf.requestTimeout)
	var pe *pgParseError
	if errors.As(err, &pe) {
		return nil, configErrorf("store_addrs[0] does not parse: %v", pe.err)
	}
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}
