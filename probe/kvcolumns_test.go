package probe

import (
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

func TestJudgeKVColumns(t *testing.T) {
	kv := func(k, v string) []pgColumn {
		return []pgColumn{{Name: "k", Type: k, Primary: true}, {Name: "v", Type: v}}
	}
	const big = 1 << 20
	for _, c := range []struct {
		name     string
		cols     []pgColumn
		d        kvDialect
		maxValue uint64
		problem  string // substring; "" means none
		narrow   string // substring; "" means none
	}{
		{"mysql as created", kv("varbinary(3072)", "blob"), kvMySQL, 0, "", ""},
		{"mysql mediumblob", kv("varbinary(3072)", "mediumblob"), kvMySQL, 0, "", ""},
		{"mysql longblob", kv("VARBINARY(3072)", "LONGBLOB"), kvMySQL, big, "", ""},
		{"mysql blob below max value size", kv("varbinary(3072)", "blob"), kvMySQL, big, "", "longer than 64.0 KiB"},
		{"mysql mediumblob above max value size", kv("varbinary(3072)", "mediumblob"), kvMySQL, 1 << 30, "", "max_metadata_value_size allows 1.0 GiB"},
		{"mysql tinyblob", kv("varbinary(3072)", "tinyblob"), kvMySQL, 0, "", "longer than 255 B"},
		{"mysql varbinary value", kv("varbinary(3072)", "varbinary(1000)"), kvMySQL, 0, "", "longer than 1000 B"},
		{"mysql narrow key", kv("varbinary(255)", "blob"), kvMySQL, 0, "", "keys longer than 255 bytes"},
		{"mysql text value", kv("varbinary(3072)", "text"), kvMySQL, 0, "column v is text, not a binary type", ""},
		{"mysql integer key", kv("int(11)", "blob"), kvMySQL, 0, "column k is int(11), not a binary type", ""},
		{"mysql binary pads", kv("varbinary(3072)", "binary(16)"), kvMySQL, 0, "pads values", ""},
		{"mysql no primary key", []pgColumn{{Name: "k", Type: "varbinary(3072)"}, {Name: "v", Type: "blob"}}, kvMySQL, 0, "not the primary key", ""},
		{"mysql other columns", []pgColumn{{Name: "id", Type: "int"}}, kvMySQL, 0, "it has columns (id)", ""},
		{"postgres bytea", kv("bytea", "bytea"), kvPostgres, big, "", ""},
		{"postgres text", kv("bytea", "text"), kvPostgres, 0, "column v is text, not a binary type", ""},
		{"postgres integer", kv("integer", "bytea"), kvPostgres, 0, "column k is integer", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := judgeKVColumns(c.cols, c.d, c.maxValue)
			if (c.problem == "") != (v.Problem == "") || !strings.Contains(v.Problem, c.problem) {
				t.Errorf("problem = %q, want %q", v.Problem, c.problem)
			}
			narrow := strings.Join(v.Narrow, "; ")
			if (c.narrow == "") != (narrow == "") || !strings.Contains(narrow, c.narrow) {
				t.Errorf("narrow = %q, want %q", narrow, c.narrow)
			}
		})
	}
}

// TestProbeMySQLColumnWidths creates metadata tables a DBA might have made
// (wider, narrower, of the wrong kind) in the real MariaDB.
func TestProbeMySQLColumnWidths(t *testing.T) {
	my := testenv.MySQL(t)
	medium := mysqlFixtureTables(t, my, "(k VARBINARY(3072) PRIMARY KEY, v MEDIUMBLOB)")
	long := mysqlFixtureTables(t, my, "(k VARBINARY(3072) PRIMARY KEY, v LONGBLOB)")
	blob := mysqlFixtureTables(t, my, "(k VARBINARY(3072) PRIMARY KEY, v BLOB)")
	narrow := mysqlFixtureTables(t, my, "(k VARBINARY(3072) PRIMARY KEY, v VARBINARY(1024))")
	text := mysqlFixtureTables(t, my, "(k VARBINARY(3072) PRIMARY KEY, v TEXT)")
	const bigValues = "[procedure]\nmax_metadata_value_size = \"1MiB\"\n"
	runProbeCases(t, "metasrv.toml", "mysql", []probeCase{
		{name: "MEDIUMBLOB", conf: myConfig(my.URL(), metaTableConf(medium)+bigValues), readOnly: true,
			status: report.Pass, key: "store_addrs[0]", line: 2},
		{name: "LONGBLOB", conf: myConfig(my.URL(), metaTableConf(long)), readOnly: true,
			status: report.Pass, key: "store_addrs[0]", line: 2},
		{name: "BLOB with 1MiB values", conf: myConfig(my.URL(), metaTableConf(blob)+bigValues), readOnly: true,
			status: report.Warn, key: "meta_table_name", line: 3, msg: "metadata values longer than 64.0 KiB would not fit"},
		{name: "VARBINARY value", conf: myConfig(my.URL(), metaTableConf(narrow)), readOnly: true,
			status: report.Warn, key: "meta_table_name", line: 3, msg: "longer than 1.0 KiB would not fit"},
		{name: "TEXT value", conf: myConfig(my.URL(), metaTableConf(text)), readOnly: true,
			status: report.Fail, class: ClassConfig, key: "meta_table_name", line: 3, msg: "column v is text, not a binary type"},
	}, my.Password, my.URL())
}

// TestProbePostgresColumnKinds: bytea passes, text and integer fail.
func TestProbePostgresColumnKinds(t *testing.T) {
	pg := testenv.Postgres(t)
	textV := pgFixtureTable(t, pg, "(k bytea PRIMARY KEY, v text)")
	intK := pgFixtureTable(t, pg, "(k bigint PRIMARY KEY, v bytea)")
	ok := pgFixtureTable(t, pg, "(k bytea PRIMARY KEY, v bytea)")
	runProbeCases(t, "metasrv.toml", "postgres", []probeCase{
		{name: "bytea with large values", conf: pgConfig(pg.DSN(), metaTableConf(ok)+"[procedure]\nmax_metadata_value_size = \"64MiB\"\n"), readOnly: true,
			status: report.Pass, key: "store_addrs[0]", line: 2},
		{name: "text value", conf: pgConfig(pg.DSN(), metaTableConf(textV)), readOnly: true,
			status: report.Fail, class: ClassConfig, key: "meta_table_name", line: 3, msg: "column v is text, not a binary type"},
		{name: "integer key", conf: pgConfig(pg.DSN(), metaTableConf(intK)), readOnly: true,
			status: report.Fail, class: ClassConfig, key: "meta_table_name", line: 3, msg: "column k is bigint"},
	}, pg.Password, pg.DSN())
}
