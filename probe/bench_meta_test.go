package probe

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// benchResult runs a config with benchmarks and returns the benchmark's
// result (the last one).
func benchResult(t *testing.T, name, conf string, p *PerfOptions) report.ProbeResult {
	t.Helper()
	res := runFile(t, loadTestConfig(t, name, conf), benchOpts(p))
	b := res[len(res)-1]
	if !strings.HasSuffix(b.Name, "benchmark") {
		t.Fatalf("the last result is %q, not a benchmark", b.Name)
	}
	return b
}

func TestBenchEtcd(t *testing.T) {
	te := startEtcd(t, etcdOptions{})
	conf := fmt.Sprintf("backend = \"etcd_store\"\nstore_addrs = [%q]\nstore_key_prefix = \"stepstone-test\"\n", te.Addr)
	b := benchResult(t, "metasrv.toml", conf, testPerf())
	if b.Status != report.Pass {
		t.Fatalf("%s %s: %s", b.Status, b.Class, b.Message)
	}
	wantMetrics(t, b,
		"bench.etcd_put.1KiB.load.samples", "bench.etcd_put.1KiB.load.p50", "bench.etcd_put.1KiB.load.p90",
		"bench.etcd_put.1KiB.load.cold", "bench.etcd_put.1KiB.load.ops_per_s", "bench.etcd_put.1KiB.load.target_ops_per_s",
		"bench.etcd_put.1KiB.load.target_ratio",
		"bench.etcd_range.1KiB.load.p50", "bench.etcd_range.1KiB.load.ops_per_s", "bench.etcd_range.1KiB.load.target_ratio",
		"bench.total.all.run.requests")
	if r := metricMap(b)["bench.etcd_put.1KiB.load.target_ratio"].Value; r > 1 {
		t.Errorf("target ratio %v above 1", r)
	}
	if left := te.keysUnder(t, "stepstone-test/__stepstone/"); len(left) > 0 {
		t.Errorf("benchmark keys left behind: %q", left)
	}
}

func TestBenchPostgres(t *testing.T) {
	pg := testenv.Postgres(t)
	table := pgFixtureTable(t, pg, "(k bytea PRIMARY KEY, v bytea)")
	t.Run("table present", func(t *testing.T) {
		b := benchResult(t, "metasrv.toml", pgConfig(pg.DSN(), fmt.Sprintf("meta_table_name = %q\n", table)), testPerf())
		if b.Status != report.Pass {
			t.Fatalf("%s %s: %s", b.Status, b.Class, b.Message)
		}
		wantMetrics(t, b, "bench.sql_write.1KiB.latency.p50", "bench.sql_write.1KiB.latency.p90", "bench.sql_write.1KiB.latency.cold",
			"bench.sql_read.1KiB.latency.p50", "bench.sql_read.1KiB.latency.samples")
		noSecrets(t, []report.ProbeResult{b}, pg.Password, pg.DSN())
		if n := pgRows(t, pg, table); n != 0 {
			t.Errorf("%d rows committed; the transaction must be rolled back", n)
		}
	})
	t.Run("no table yet", func(t *testing.T) {
		b := benchResult(t, "metasrv.toml", pgConfig(pg.DSN(), "meta_table_name = \"stepstone_no_such_table\"\n"), testPerf())
		if b.Status != report.Skip && !strings.Contains(b.Message, "did not pass") {
			t.Errorf("%s: %s", b.Status, b.Message)
		}
	})
}

func TestBenchMySQL(t *testing.T) {
	my := testenv.MySQL(t)
	table := mysqlFixtureTables(t, my, "(k VARBINARY(3072) PRIMARY KEY, v BLOB)")
	b := benchResult(t, "metasrv.toml", myConfig(my.URL(), fmt.Sprintf("meta_table_name = %q\n", table)), testPerf())
	if b.Status != report.Pass {
		t.Fatalf("%s %s: %s", b.Status, b.Class, b.Message)
	}
	wantMetrics(t, b, "bench.sql_write.1KiB.latency.p50", "bench.sql_read.1KiB.latency.p50", "bench.sql_read.1KiB.latency.cold")
	noSecrets(t, []report.ProbeResult{b}, my.Password, my.URL())
	if n := mysqlRows(t, my, table); n != 0 {
		t.Errorf("%d rows committed; the transaction must be rolled back", n)
	}
}
