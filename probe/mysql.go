package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// mysqlTarget is a parsed mysql_store URL, as sqlx's MySqlConnectOptions
// reads it: mysql://user:pass@host:port/db?ssl-mode=...&ssl-ca=...
type mysqlTarget struct {
	User, Password, Host, Port, DB string
	SSLMode, SSLCA                 string
	Socket                         string
	Scheme                         string
}

func parseMySQLURL(raw string) (*mysqlTarget, error) {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		return nil, configErrorf("store_addrs[0] is not a URL: write it as mysql://USER:PASSWORD@HOST:3306/DATABASE")
	}
	// Read as sqlx reads it (internal/redact's parser), which the caller
	// has checked is not ambiguous: the host dialled is the driver's.
	d, err := redact.ParseMySQL(raw)
	if err != nil {
		return nil, configErrorf("store_addrs[0] is not a valid URL: %v", err)
	}
	m := &mysqlTarget{Scheme: d.Scheme, User: d.User, Password: d.Password, DB: d.Database, Host: "localhost", Port: "3306"}
	if len(d.Hosts) > 0 {
		if h, p, err := net.SplitHostPort(d.Hosts[0]); err == nil {
			m.Host, m.Port = h, p
		}
	}
	m.SSLMode = strings.ToUpper(strings.ReplaceAll(d.Params["ssl-mode"], "-", "_"))
	m.SSLCA = d.Params["ssl-ca"]
	m.Socket = d.Params["socket"]
	return m, nil
}

// mysqlTLS builds the driver's TLS config the way GreptimeDB configures
// sqlx: [backend_tls] overrides the URL's ssl-mode, except that mode
// "disable" leaves the URL's own ssl-mode (default PREFERRED) in force.
// See src/meta-srv/src/utils/mysql.rs (setup_mysql_options).
func mysqlTLS(m *mysqlTarget, c backendTLSConfig) (cfg *tls.Config, fallback bool, desc string, err error) {
	mode := m.SSLMode
	ca := m.SSLCA
	switch c.Mode {
	case "prefer":
		mode = "PREFERRED"
	case "require":
		mode = "REQUIRED"
	case "verify_ca":
		mode, ca = "VERIFY_CA", c.CA
	case "verify_full":
		mode, ca = "VERIFY_IDENTITY", c.CA
	}
	if mode == "" {
		mode = "PREFERRED"
	}
	switch mode {
	case "DISABLED":
		return nil, false, "ssl-mode DISABLED", nil
	case "PREFERRED":
		cfg, fallback = &tls.Config{InsecureSkipVerify: true}, true
	case "REQUIRED":
		cfg = &tls.Config{InsecureSkipVerify: true}
	case "VERIFY_CA", "VERIFY_IDENTITY":
		roots, rerr := probeLoadRoots(ca)
		if rerr != nil {
			return nil, false, "", rerr
		}
		if mode == "VERIFY_IDENTITY" {
			cfg = &tls.Config{RootCAs: roots, ServerName: m.Host}
		} else {
			cfg = &tls.Config{InsecureSkipVerify: true, VerifyPeerCertificate: verifyChainOnly(roots)}
		}
	default:
		return nil, false, "", configErrorf("store_addrs[0] has ssl-mode %q; want DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY", m.SSLMode)
	}
	if c.Mode != "disable" && c.Cert != "" && c.Key != "" {
		pair, lerr := tls.LoadX509KeyPair(c.Cert, c.Key)
		if lerr != nil {
			return nil, false, "", fmt.Errorf("cannot load backend_tls.cert_path/key_path: %w", lerr)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, fallback, "ssl-mode " + mode, nil
}

// probeLoadRoots reads a CA file, or returns the system roots for "".
func probeLoadRoots(path string) (*x509.CertPool, error) {
	if path == "" {
		return x509.SystemCertPool()
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA file %q: %w", path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, configErrorf("the CA file %q holds no PEM certificate", path)
	}
	return pool, nil
}

// verifyChainOnly checks the server chain against roots without checking
// the host name (verify-ca semantics).
func verifyChainOnly(roots *x509.CertPool) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("tls: the server sent no certificate")
		}
		certs := make([]*x509.Certificate, len(raw))
		for i, b := range raw {
			c, err := x509.ParseCertificate(b)
			if err != nil {
				return err
			}
			certs[i] = c
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
		return err
	}
}

type nopMySQLLogger struct{}

func (nopMySQLLogger) Print(...any) {}

// mysqlColumn is one column of the metadata table.
type mysqlColumn struct{ Name, Type, Key string }

// ProbeMySQL checks the mysql_store backend: it connects as metasrv would,
// checks the metadata table and its election table (or the privilege to
// create them) and, unless ReadOnly, writes a row in a transaction that it
// rolls back. It never creates or alters anything.
func ProbeMySQL(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		if t.Addr == "" {
			r.fail(ClassConfig, "set store_addrs to a MySQL URL with user, password, host, port and database",
				`backend = "mysql_store" needs store_addrs[0], a MySQL URL`)
			return
		}
		if r.refuseAmbiguous(redact.ParseMySQL(t.Addr)) {
			return
		}
		m, err := parseMySQLURL(t.Addr)
		if err != nil {
			r.failErr(err, classify, "cannot use store_addrs[0]")
			return
		}
		r.addSecrets(m.Password)
		if m.Scheme != "mysql" && m.Scheme != "mariadb" {
			r.note("store_addrs[0] starts with %s://, but GreptimeDB dials it as MySQL whatever the scheme", m.Scheme)
		}
		if m.DB == "" {
			r.fail(ClassConfig, "name the database in the URL path (mysql://HOST:3306/DATABASE, with the user and password)",
				"store_addrs[0] names no database: metasrv cannot create or find its tables")
			return
		}
		btls := readBackendTLS(t.File)
		tc, fallback, tlsDesc, err := mysqlTLS(m, btls)
		if err != nil {
			class, sug := classify(err)
			r.at("backend_tls.ca_cert_path", "backend_tls.cert_path", t.Key)
			r.fail(class, sug, "cannot set up TLS for MySQL: %s", probeErrText(err))
			return
		}
		where := probeDisplayDSN("mysql", t.Addr)
		timeout := clientTimeout(ctx)
		db, err := mysqlDB(m, tc, fallback, timeout)
		if err != nil {
			r.failErr(err, classify, "cannot use store_addrs[0]")
			return
		}
		defer db.Close()
		connStart := time.Now()
		conn, err := db.Conn(ctx)
		if err != nil {
			class, sug := classifyMySQL(err)
			// The driver reports a handshake that timed out (a port
			// that accepts and never answers) as "invalid connection";
			// the clock tells it from a server that hung up.
			if errors.Is(err, mysql.ErrInvalidConn) && (ctx.Err() != nil || timeout > 0 && time.Since(connStart) >= timeout) {
				cause := ctx.Err()
				if cause == nil {
					cause = context.DeadlineExceeded
				}
				class, sug = classify(cause)
				err = fmt.Errorf("no answer within %s: %w", timeout.Round(100*time.Millisecond), err)
			}
			if class == ClassTLS {
				r.at("backend_tls.mode", t.Key)
			}
			if class == ClassAuth {
				// MySQL answers a user that must use TLS (REQUIRE SSL) or
				// show a client certificate (REQUIRE X509) with the same
				// "Access denied" as a wrong password.
				switch {
				case tc == nil:
					sug += "; or the user must connect over TLS (REQUIRE SSL): set backend_tls.mode, or drop ssl-mode=DISABLED from the URL"
				case len(tc.Certificates) == 0:
					sug += "; or the user must show a client certificate (REQUIRE X509): set backend_tls.cert_path and key_path"
				}
			}
			r.fail(class, sug, "cannot connect to MySQL %s (%s): %s", where, tlsDesc, probeErrText(err))
			return
		}
		defer conn.Close()

		var version, user string
		if err := conn.QueryRowContext(ctx, `SELECT VERSION(), CURRENT_USER()`).Scan(&version, &user); err != nil {
			r.failErr(err, classifyMySQL, "connected to %s but a basic query failed", where)
			return
		}
		facts := []string{"server " + version, "user " + user}
		var statusName, cipher string
		if err := conn.QueryRowContext(ctx, `SHOW SESSION STATUS LIKE 'Ssl_cipher'`).Scan(&statusName, &cipher); err == nil && cipher != "" {
			facts = append(facts, "TLS "+cipher)
		}

		table := probeString(t.File, "meta_table_name", defaultMetaTable)
		election := table + "_election"
		engines := map[string]string{}
		rows, err := conn.QueryContext(ctx, `SELECT t.TABLE_NAME, COALESCE(t.ENGINE, ''), COALESCE(e.TRANSACTIONS, '')
			FROM information_schema.TABLES t LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
			WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME IN (?, ?)`, table, election)
		if err != nil {
			r.failErr(err, classifyMySQL, "cannot look up tables in %s", m.DB)
			return
		}
		transactional := map[string]bool{}
		for rows.Next() {
			var name, engine, tx string
			if err := rows.Scan(&name, &engine, &tx); err == nil {
				engines[name], transactional[name] = engine, strings.EqualFold(tx, "YES")
			}
		}
		rows.Close()

		var absent []string
		for _, name := range []string{table, election} {
			if _, ok := engines[name]; !ok {
				absent = append(absent, name)
				continue
			}
			cols, err := mysqlColumns(ctx, conn, name)
			if err != nil {
				r.failErr(err, classifyMySQL, "cannot read the columns of %s.%s", m.DB, name)
				return
			}
			verdict := checkMySQLKVColumns(cols, maxMetadataValueSize(t.File))
			if verdict.Problem != "" {
				r.at("meta_table_name", t.Key)
				r.fail(ClassConfig, "point meta_table_name at GreptimeDB's metadata table, or at a name that does not exist yet",
					"table %s.%s is not a GreptimeDB metadata table: %s", m.DB, name, verdict.Problem)
				return
			}
			if len(verdict.Narrow) > 0 {
				r.at("meta_table_name", t.Key)
				r.warn("ALTER TABLE ... MODIFY to VARBINARY(3072) for k and LONGBLOB (or MEDIUMBLOB) for v",
					"table %s.%s is narrower than GreptimeDB's: %s", m.DB, name, strings.Join(verdict.Narrow, "; "))
			}
			if !transactional[name] {
				r.warn("ALTER TABLE ... ENGINE = InnoDB: metasrv relies on transactions and row locks",
					"table %s.%s uses engine %s, which has no transactions", m.DB, name, engines[name])
			}
		}
		if len(absent) > 0 {
			ok, roles, err := mysqlCanCreate(ctx, conn)
			if err != nil {
				r.failErr(err, classifyMySQL, "cannot check privileges on %s", m.DB)
				return
			}
			if !ok {
				r.at("meta_table_name", t.Key)
				if roles {
					r.warn(fmt.Sprintf("GRANT CREATE ON `%s`.* TO %s, or create the tables in advance", m.DB, user),
						"%s do not exist and no CREATE grant for %s on %s was found (roles were not checked)", strings.Join(absent, " and "), user, m.DB)
				} else {
					r.fail(ClassPermission, fmt.Sprintf("GRANT CREATE ON `%s`.* TO %s, or create the tables in advance", m.DB, user),
						"%s in %s do not exist and %s lacks CREATE on %s, so metasrv cannot create them", strings.Join(absent, " and "), m.DB, user, m.DB)
					return
				}
			} else {
				r.at("meta_table_name", t.Key)
				r.warn("nothing to do if this is a new cluster; otherwise check meta_table_name points at the existing metadata",
					"%s do not exist yet in %s: metasrv will create them (%s may create tables; %s)", strings.Join(absent, " and "), m.DB, user, strings.Join(facts, ", "))
			}
		}
		if _, ok := engines[table]; !ok {
			return
		}

		tableRef := "`" + strings.ReplaceAll(table, "`", "``") + "`"
		root := etcdTestRoot(t.File)
		leftHelp := fmt.Sprintf("DELETE FROM %s WHERE LEFT(k, %d) = '%s'", tableRef, len(root), root)
		if left := mysqlLeftovers(ctx, conn, tableRef, root); len(left) > 0 {
			r.leftovers(left, leftHelp)
		}
		facts = append(facts, fmt.Sprintf("tables %s and %s have the expected columns", table, election))
		if t.Opts.ReadOnly {
			if _, err := conn.ExecContext(ctx, "SELECT k, v FROM "+tableRef+" LIMIT 0"); err != nil {
				r.at("meta_table_name", t.Key)
				r.failErr(err, classifyMySQL, "cannot read %s.%s", m.DB, table)
				return
			}
			r.pass("MySQL %s is usable: %s; read-only, write test skipped", where, strings.Join(facts, ", "))
			return
		}
		if !transactional[table] {
			r.note("write test skipped: the table has no transactions to roll back")
			return
		}
		dur, err := mysqlRolledBackWrite(ctx, r, conn, tableRef, etcdTestPrefix(t.File, t.Opts.RunID)+"probe")
		if err != nil {
			r.at("meta_table_name", t.Key)
			r.failErr(err, classifyMySQL, "the rolled-back write test on %s.%s failed", m.DB, table)
			return
		}
		if left := mysqlLeftovers(ctx, conn, tableRef, root); len(left) > 0 {
			r.leftovers(left, leftHelp)
		}
		r.res.Metrics = append(r.res.Metrics, report.Metric{Name: "mysql_write_latency", Value: dur.Seconds(), Unit: "seconds"})
		r.pass("MySQL %s is usable: %s, write/read test rolled back", where, strings.Join(facts, ", "))
	})
}

func mysqlColumns(ctx context.Context, conn *sql.Conn, table string) ([]mysqlColumn, error) {
	rows, err := conn.QueryContext(ctx, `SELECT COLUMN_NAME, COLUMN_TYPE, COLUMN_KEY FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []mysqlColumn
	for rows.Next() {
		var c mysqlColumn
		if err := rows.Scan(&c.Name, &c.Type, &c.Key); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// checkMySQLKVColumns judges the columns against GreptimeDB's
// (k VARBINARY(3072) PRIMARY KEY, v BLOB); see kvcolumns.go.
func checkMySQLKVColumns(cols []mysqlColumn, maxValue uint64) kvVerdict {
	var pg []pgColumn
	for _, c := range cols {
		pg = append(pg, pgColumn{Name: strings.ToLower(c.Name), Type: strings.ToLower(c.Type), Primary: c.Key == "PRI"})
	}
	return judgeKVColumns(pg, kvMySQL, maxValue)
}

// mysqlCanCreate looks for a CREATE grant on the current database, global
// or per schema. roles reports whether the user has roles, whose grants
// are not followed.
func mysqlCanCreate(ctx context.Context, conn *sql.Conn) (ok, roles bool, err error) {
	const grantee = `CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')`
	var n int
	err = conn.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = `+grantee+` AND PRIVILEGE_TYPE = 'CREATE') +
		(SELECT COUNT(*) FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = `+grantee+` AND DATABASE() LIKE TABLE_SCHEMA AND PRIVILEGE_TYPE = 'CREATE')`).Scan(&n)
	if err != nil {
		return false, false, err
	}
	var nr int
	if e := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.APPLICABLE_ROLES`).Scan(&nr); e == nil && nr > 0 {
		roles = true
	}
	return n > 0, roles, nil
}

func mysqlRolledBackWrite(ctx context.Context, r *probeRun, conn *sql.Conn, tableRef, key string) (time.Duration, error) {
	start := time.Now()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() {
		// Rollback must happen even after Ctrl-C; database/sql rolls back
		// on context cancellation too, this is the explicit path.
		if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
			r.note("rollback failed: %s", probeErrText(err))
		}
	}()
	value := []byte("stepstone probe " + r.t.Opts.RunID)
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+tableRef+" (k, v) VALUES (?, ?)", []byte(key), value); err != nil {
		return 0, err
	}
	afterWrite("mysql")
	var got []byte
	if err := tx.QueryRowContext(ctx, "SELECT v FROM "+tableRef+" WHERE k = ?", []byte(key)).Scan(&got); err != nil {
		return 0, err
	}
	if string(got) != string(value) {
		return 0, errors.New("the row read back differs from the row written")
	}
	return time.Since(start), nil
}

// mysqlLeftovers lists committed rows under stepstone's test prefix.
// LEFT() rather than LIKE: the prefix contains "_", a LIKE wildcard.
func mysqlLeftovers(ctx context.Context, conn *sql.Conn, tableRef, root string) []string {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	rows, err := conn.QueryContext(cctx, "SELECT k FROM "+tableRef+" WHERE LEFT(k, ?) = ? LIMIT 20", len(root), []byte(root))
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k []byte
		if rows.Scan(&k) == nil {
			out = append(out, string(k))
		}
	}
	return out
}

// mysqlDB opens a pool of one connection to m as metasrv's sqlx does,
// with the TLS of mysqlTLS; timeout bounds the dial, reads and writes.
// The caller registers m.Password as a secret first.
func mysqlDB(m *mysqlTarget, tc *tls.Config, fallback bool, timeout time.Duration) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.DBName = m.User, m.Password, m.DB
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(m.Host, m.Port)
	if m.Socket != "" {
		cfg.Net, cfg.Addr = "unix", m.Socket
	}
	cfg.TLS, cfg.AllowFallbackToPlaintext = tc, fallback
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = timeout, timeout, timeout
	cfg.Logger = nopMySQLLogger{}
	cfg.ConnectionAttributes = "program_name:stepstone"
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	return db, nil
}

// MySQL and MariaDB server error numbers stepstone tells apart. See
// https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html
const (
	myAccessDenied       = 1045 // ER_ACCESS_DENIED_ERROR
	myDBAccessDenied     = 1044 // ER_DBACCESS_DENIED_ERROR
	myBadDB              = 1049 // ER_BAD_DB_ERROR
	myTableAccessDenied  = 1142 // ER_TABLEACCESS_DENIED_ERROR
	myColumnAccessDenied = 1143 // ER_COLUMNACCESS_DENIED_ERROR
	myNoSuchTable        = 1146 // ER_NO_SUCH_TABLE
	myHostNotPrivileged  = 1130 // ER_HOST_NOT_PRIVILEGED
	myTooManyConnections = 1040 // ER_CON_COUNT_ERROR
)

// classifyMySQL recognises MySQL/MariaDB server errors by number.
func classifyMySQL(err error) (string, string) {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case myAccessDenied:
			return ClassAuth, "MySQL rejected the user or password: fix them in store_addrs[0]"
		case myHostNotPrivileged:
			return ClassAuth, "MySQL does not let this user connect from this host: create the user for this host"
		case myDBAccessDenied:
			return ClassPermission, "the user has no access to the database: GRANT ALL ON <db>.* TO the user"
		case myTableAccessDenied, myColumnAccessDenied:
			return ClassPermission, "the user lacks a table privilege metasrv needs (SELECT, INSERT, UPDATE, DELETE, CREATE): GRANT it"
		case myBadDB:
			return ClassNotFound, "the database in store_addrs[0] does not exist: create it or fix the path of the URL"
		case myNoSuchTable:
			return ClassNotFound, "the table does not exist"
		case myTooManyConnections:
			return ClassRefused, "MySQL has too many connections"
		}
		return ClassOther, fmt.Sprintf("MySQL returned error %d", me.Number)
	}
	if errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, mysql.ErrMalformPkt) {
		return ClassProtocol, "the server does not speak the MySQL protocol on this port, or closed the connection"
	}
	return classify(err)
}

// BenchMySQL is BenchPostgres for mysql_store. The statements are
// prepared once, as sqlx caches them for metasrv, so each measured
// request is one round trip.
func BenchMySQL(ctx context.Context, t Target) report.ProbeResult {
	return runBench(ctx, t, func(ctx context.Context, b *benchRun) {
		r, p := b.r, b.perf
		db, conn, err := mysqlBenchConnect(ctx, r)
		if err != nil {
			r.failErr(err, classifyMySQL, "cannot connect to MySQL")
			return
		}
		defer db.Close()
		defer conn.Close()
		table := probeString(t.File, "meta_table_name", defaultMetaTable)
		var tx string
		err = conn.QueryRowContext(ctx, `SELECT COALESCE(e.TRANSACTIONS, '') FROM information_schema.TABLES t
			LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
			WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = ?`, table).Scan(&tx)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			r.skip("table %s does not exist yet, so there is nothing to measure (metasrv creates it at its first start)", table)
			return
		case err != nil:
			r.failErr(err, classifyMySQL, "cannot look up table %s", table)
			return
		case !strings.EqualFold(tx, "YES"):
			r.skip("table %s has no transactions to roll back, so the benchmark does not write to it", table)
			return
		}
		tableRef := "`" + strings.ReplaceAll(table, "`", "``") + "`"
		root := etcdTestRoot(t.File)
		txn, err := conn.BeginTx(ctx, nil)
		if err != nil {
			r.failErr(err, classifyMySQL, "cannot begin a transaction")
			return
		}
		defer func() {
			if err := txn.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
				r.note("rollback failed: %s", probeErrText(err))
			}
			if left := mysqlLeftovers(ctx, conn, tableRef, root); len(left) > 0 {
				r.leftovers(left, fmt.Sprintf("DELETE FROM %s WHERE LEFT(k, %d) = '%s'", tableRef, len(root), root))
			}
		}()
		ins, err := txn.PrepareContext(ctx, "INSERT INTO "+tableRef+" (k, v) VALUES (?, ?)")
		if err != nil {
			r.failErr(err, classifyMySQL, "cannot prepare the write")
			return
		}
		defer ins.Close()
		sel, err := txn.PrepareContext(ctx, "SELECT v FROM "+tableRef+" WHERE k = ?")
		if err != nil {
			r.failErr(err, classifyMySQL, "cannot prepare the read")
			return
		}
		defer sel.Close()
		value := make([]byte, p.ValueSize)
		_, _ = rand.Read(value)
		b.steps = 1
		b.tell("SQL round trips")
		b.roundTrips(ctx,
			func(ctx context.Context, key string) error {
				_, err := ins.ExecContext(ctx, []byte(key), value)
				return err
			},
			func(ctx context.Context, key string) error {
				var got []byte
				if err := sel.QueryRowContext(ctx, []byte(key)).Scan(&got); err != nil {
					return err
				}
				if !bytes.Equal(got, value) {
					return errors.New("the row read back differs from the row written")
				}
				return nil
			},
			etcdTestPrefix(t.File, t.Opts.RunID)+"bench/", classifyMySQL)
	})
}

// mysqlBenchConnect connects as ProbeMySQL does, on one connection.
func mysqlBenchConnect(ctx context.Context, r *probeRun) (*sql.DB, *sql.Conn, error) {
	m, err := parseMySQLURL(r.t.Addr)
	if err != nil {
		return nil, nil, err
	}
	r.addSecrets(m.Password)
	tc, fallback, _, err := mysqlTLS(m, readBackendTLS(r.t.File))
	if err != nil {
		return nil, nil, err
	}
	db, err := mysqlDB(m, tc, fallback, r.t.Opts.Perf.requestTimeout)
	if err != nil {
		return nil, nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, conn, nil
}
