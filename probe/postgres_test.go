package probe

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// pgFixtureTable creates a metadata table shaped as GreptimeDB creates it
// (or with the given columns), dropped at the end of the test.
func pgFixtureTable(t *testing.T, pg testenv.PGServer, columns string) string {
	t.Helper()
	name := "stepstone_probe_" + strings.ReplaceAll(NewRunID()[14:], "-", "")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.DSN())
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+pgx.Identifier{name}.Sanitize())
		conn.Close(context.Background())
	})
	if _, err := conn.Exec(ctx, "CREATE TABLE "+pgx.Identifier{name}.Sanitize()+columns); err != nil {
		t.Fatalf("create fixture table: %v", err)
	}
	return name
}

// pgRows counts the rows of a table.
func pgRows(t *testing.T, pg testenv.PGServer, table string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func pgConfig(dsn, extra string) string {
	return fmt.Sprintf("backend = \"postgres_store\"\nstore_addrs = [%q]\n%s", dsn, extra)
}

func TestProbePostgres(t *testing.T) {
	pg := testenv.Postgres(t)
	table := pgFixtureTable(t, pg, "(k bytea PRIMARY KEY, v bytea)")
	wrongCols := pgFixtureTable(t, pg, "(id int PRIMARY KEY, payload text)")
	const wrong = "Wr0ng-pg-Passw0rd"
	otherCA := newTestPKI(t, "pg-other").CAFile
	tableConf := metaTableConf(table)

	runProbeCases(t, "metasrv.toml", "postgres", []probeCase{
		{name: "table present", conf: pgConfig(pg.DSN(), tableConf),
			status: report.Pass, key: "store_addrs[0]", line: 2, msg: "write/read test rolled back"},
		{name: "read-only", conf: pgConfig(pg.DSN(), tableConf), readOnly: true,
			status: report.Pass, key: "store_addrs[0]", line: 2, msg: "read-only"},
		{name: "key=value DSN", conf: pgConfig(fmt.Sprintf("host=%s port=%d user=%s password='%s' dbname=%s sslmode=disable", pg.Host, pg.Port, pg.User, pg.Password, pg.Database),
			tableConf), status: report.Pass, key: "store_addrs[0]", line: 2},
		// The test server has ssl = on (Debian's snakeoil certificate).
		{name: "TLS required", conf: pgConfig(pg.DSN(), tableConf+"[backend_tls]\nmode = \"require\"\n"),
			status: report.Pass, key: "store_addrs[0]", line: 2, msg: "TLS"},
		{name: "TLS with an untrusted certificate", conf: pgConfig(pg.DSN(), fmt.Sprintf("[backend_tls]\nmode = \"verify_full\"\nca_cert_path = %q\n", otherCA)),
			status: report.Fail, class: ClassTLS, key: "backend_tls.ca_cert_path", line: 5},
		{name: "table absent", conf: pgConfig(pg.DSN(), "meta_table_name = \"stepstone_absent_table\"\n"),
			status: report.Warn, key: "meta_table_name", line: 3, msg: "metasrv will create it"},
		{name: "no CREATE on schema", conf: pgConfig(pg.NoPermDSN(), "meta_table_name = \"stepstone_absent_table\"\n"),
			status: report.Fail, class: ClassPermission, key: "meta_table_name", line: 3, msg: "lacks CREATE on schema"},
		{name: "no table privileges", conf: pgConfig(pg.NoPermDSN(), tableConf),
			status: report.Fail, class: ClassPermission, key: "meta_table_name", line: 3, msg: "lacks SELECT, INSERT, UPDATE, DELETE"},
		{name: "schema absent, may create", conf: pgConfig(pg.DSN(), "meta_schema_name = \"stepstone_absent_schema\"\n"),
			status: report.Warn, key: "meta_schema_name", line: 3, msg: "will create them"},
		{name: "schema absent, no CREATE on database", conf: pgConfig(pg.NoPermDSN(), "meta_schema_name = \"stepstone_absent_schema\"\n"),
			status: report.Fail, class: ClassPermission, key: "meta_schema_name", line: 3, msg: "lacks CREATE on database"},
		{name: "schema absent, auto_create_schema off", conf: pgConfig(pg.DSN(), "meta_schema_name = \"stepstone_absent_schema\"\nauto_create_schema = false\n"),
			status: report.Fail, class: ClassNotFound, key: "meta_schema_name", line: 3},
		{name: "wrong columns", conf: pgConfig(pg.DSN(), metaTableConf(wrongCols)),
			status: report.Fail, class: ClassConfig, key: "meta_table_name", line: 3, msg: "not a GreptimeDB metadata table"},
		{name: "wrong password", conf: pgConfig(pg.DSNFor(pg.User, wrong), ""),
			status: report.Fail, class: ClassAuth, key: "store_addrs[0]", line: 2},
		{name: "missing database", conf: pgConfig(strings.Replace(pg.DSN(), "/"+pg.Database, "/stepstone_no_such_db", 1), ""),
			status: report.Fail, class: ClassNotFound, key: "store_addrs[0]", line: 2},
		{name: "no dbname", conf: pgConfig(fmt.Sprintf("postgres://%s:%s@%s", pg.User, pg.Password, pg.Addr()), ""),
			status: report.Fail, class: ClassConfig, key: "store_addrs[0]", line: 2, msg: "DbnameMissing"},
		{name: "refused", conf: pgConfig("postgres://u:p@"+testenv.RefusedAddr(t)+"/db", ""),
			status: report.Fail, class: ClassRefused, key: "store_addrs[0]", line: 2},
	}, pg.Password, pg.NoPermPassword, pg.DSN(), pg.NoPermDSN(), wrong)
	if n := pgRows(t, pg, table); n != 0 {
		t.Errorf("the metadata table holds %d rows after the probes; the write test must roll back", n)
	}
}

func TestProbePostgresInterruptedWrite(t *testing.T) {
	pg := testenv.Postgres(t)
	table := pgFixtureTable(t, pg, "(k bytea PRIMARY KEY, v bytea)")
	runSQLInterrupted(t, "postgres", pgConfig(pg.DSN(), metaTableConf(table)), func() int { return pgRows(t, pg, table) })
}
