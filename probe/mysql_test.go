package probe

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// mysqlAdmin opens the test database as the privileged test user.
func mysqlAdmin(t *testing.T, my testenv.MySQLServer) *sql.DB {
	t.Helper()
	return openMySQL(t, my.User, my.Password, "tcp", my.Addr(), my.Database)
}

// openMySQL opens a pool closed after the test.
func openMySQL(t *testing.T, user, password, network, addr, dbName string) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, password, network, addr, dbName
	cfg.Logger = nopMySQLLogger{}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

// mysqlFixtureTables creates <name> and <name>_election shaped as
// GreptimeDB creates them (or with the given columns); dropped afterwards.
func mysqlFixtureTables(t *testing.T, my testenv.MySQLServer, columns string) string {
	t.Helper()
	db := mysqlAdmin(t, my)
	name := "stepstone_probe_" + strings.ReplaceAll(NewRunID()[14:], "-", "")
	for _, n := range []string{name, name + "_election"} {
		if _, err := db.Exec("CREATE TABLE `" + n + "` " + columns + " ENGINE=InnoDB"); err != nil {
			t.Fatalf("create fixture table: %v", err)
		}
		t.Cleanup(func() { _, _ = db.Exec("DROP TABLE IF EXISTS `" + n + "`") })
	}
	return name
}

func mysqlRows(t *testing.T, my testenv.MySQLServer, table string) int {
	t.Helper()
	var n int
	if err := mysqlAdmin(t, my).QueryRow("SELECT COUNT(*) FROM `" + table + "`").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func myConfig(url, extra string) string {
	return fmt.Sprintf("backend = \"mysql_store\"\nstore_addrs = [%q]\n%s", url, extra)
}

func TestProbeMySQL(t *testing.T) {
	my := testenv.MySQL(t)
	table := mysqlFixtureTables(t, my, "(k VARBINARY(3072) PRIMARY KEY, v BLOB)")
	wrongCols := mysqlFixtureTables(t, my, "(id INT PRIMARY KEY, payload TEXT)")
	const wrong = "Wr0ng-my-Passw0rd"
	tableConf := metaTableConf(table)

	runProbeCases(t, "metasrv.toml", "mysql", []probeCase{
		{name: "tables present", conf: myConfig(my.URL(), tableConf), status: report.Pass, key: "store_addrs[0]", line: 2, msg: "write/read test rolled back"},
		{name: "read-only", conf: myConfig(my.URL(), tableConf), readOnly: true, status: report.Pass, key: "store_addrs[0]", line: 2, msg: "read-only"},
		{name: "tables absent", conf: myConfig(my.URL(), "meta_table_name = \"stepstone_absent\"\n"),
			status: report.Warn, key: "meta_table_name", line: 3, msg: "metasrv will create them"},
		{name: "no CREATE", conf: myConfig(my.NoPermURL(), "meta_table_name = \"stepstone_absent\"\n"),
			status: report.Fail, class: ClassPermission, key: "meta_table_name", line: 3, msg: "lacks CREATE"},
		{name: "no INSERT", conf: myConfig(my.NoPermURL(), tableConf),
			status: report.Fail, class: ClassPermission, key: "meta_table_name", line: 3, msg: "rolled-back write test"},
		{name: "wrong columns", conf: myConfig(my.URL(), metaTableConf(wrongCols)),
			status: report.Fail, class: ClassConfig, key: "meta_table_name", line: 3, msg: "not a GreptimeDB metadata table"},
		{name: "wrong password", conf: myConfig(my.URLFor(my.User, wrong), ""), status: report.Fail, class: ClassAuth, key: "store_addrs[0]", line: 2},
		// MariaDB answers "access denied to database" (1044) rather than
		// "unknown database" (1049) to a user without global privileges.
		{name: "database not granted", conf: myConfig(strings.Replace(my.URL(), "/"+my.Database, "/stepstone_no_such_db", 1), ""),
			status: report.Fail, class: ClassPermission, key: "store_addrs[0]", line: 2},
		{name: "no database", conf: myConfig(fmt.Sprintf("mysql://%s:%s@%s", my.User, my.Password, my.Addr()), ""),
			status: report.Fail, class: ClassConfig, key: "store_addrs[0]", line: 2},
		{name: "refused", conf: myConfig("mysql://u:p@"+testenv.RefusedAddr(t)+"/db", ""), status: report.Fail, class: ClassRefused, key: "store_addrs[0]", line: 2},
	}, my.Password, my.NoPermPassword, my.URL(), my.NoPermURL(), wrong)
	if n := mysqlRows(t, my, table); n != 0 {
		t.Errorf("the metadata table holds %d rows after the probes; the write test must roll back", n)
	}
}

func TestProbeMySQLInterruptedWrite(t *testing.T) {
	my := testenv.MySQL(t)
	table := mysqlFixtureTables(t, my, "(k VARBINARY(3072) PRIMARY KEY, v BLOB)")
	runSQLInterrupted(t, "mysql", myConfig(my.URL(), metaTableConf(table)), func() int { return mysqlRows(t, my, table) })
}
