package probe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// TestProbeLeftovers runs every writing probe against the real servers,
// once to the end and once interrupted right after its first write, and
// then checks that nothing stepstone wrote is left: no object under a
// .stepstone/ prefix of the buckets and containers the tests use, no
// __stepstone key in etcd, no row in the metadata tables, no .stepstone
// directory in data_home. Test data a killed earlier test process left
// (older than an hour, so a test running at the same time in another
// package is not touched) is deleted first and logged: a process killed
// with SIGKILL cannot clean up, and its leftovers in the shared test
// servers must not fail every later run on the same machine.
func TestProbeLeftovers(t *testing.T) {
	s3 := testenv.MinIO(t)
	az := testenv.Azurite(t)
	g := testenv.FakeGCS(t)
	pg := testenv.Postgres(t)
	my := testenv.MySQL(t)
	minioC := minioBucket(t, s3)
	azC := azuriteContainer(t, az)
	gcsC := fakeGCSBucket(t, g)
	te := startEtcd(t, etcdOptions{})
	pgTable := pgFixtureTable(t, pg, "(k bytea PRIMARY KEY, v bytea)")
	myTable := mysqlFixtureTables(t, my, "(k VARBINARY(3072) PRIMARY KEY, v BLOB)")
	home := t.TempDir()
	purgeStale(t, "MinIO", minioObjects(t, minioC, ""), func(n string) error {
		return minioC.RemoveObject(context.Background(), probeTestBucket, n, minio.RemoveObjectOptions{})
	})
	purgeStale(t, "Azurite", azuriteBlobs(t, azC, ""), func(n string) error {
		_, err := azC.DeleteBlob(context.Background(), probeTestBucket, n, nil)
		return err
	})
	purgeStale(t, "fake-gcs-server", fakeGCSObjects(t, gcsC, ""), func(n string) error {
		return gcsC.del(context.Background(), n)
	})

	// providerTOML keeps each value next to its key, where one Sprintf
	// would hold fifteen values in a row.
	datanode := fmt.Sprintf(`node_id = 1
[meta_client]
metasrv_addrs = [%q]

[storage]
type = "File"
data_home = %q
`, startGRPC(t, true), home) +
		providerTOML("S3", "bucket", probeTestBucket, "root", "leftover-test", "endpoint", s3.URL(), "region", s3.Region,
			"access_key_id", s3.AccessKey, "secret_access_key", s3.SecretKey) +
		providerTOML("Oss", "bucket", probeTestBucket, "endpoint", s3.URL(), "access_key_id", s3.AccessKey, "access_key_secret", s3.SecretKey) +
		providerTOML("Azblob", "container", probeTestBucket, "root", "leftover-test", "endpoint", az.Endpoint,
			"account_name", az.Account, "account_key", az.Key) +
		providerTOML("Gcs", "bucket", probeTestBucket, "root", "leftover-test", "endpoint", g.Endpoint)
	files := []*configs.File{
		loadTestConfig(t, "datanode.toml", datanode),
		loadTestConfig(t, "metasrv.toml", fmt.Sprintf("store_addrs = [%q]\nstore_key_prefix = \"leftover\"\n", te.Addr)),
		loadTestConfig(t, "metasrv-pg.toml", pgConfig(pg.DSN(), metaTableConf(pgTable))),
		loadTestConfig(t, "metasrv-my.toml", myConfig(my.URL(), metaTableConf(myTable))),
	}

	var runIDs []string
	// A full run: every probe passes.
	opts := probeOpts()
	runIDs = append(runIDs, opts.RunID)
	for i, rs := range RunProbes(context.Background(), files, opts) {
		for _, r := range rs {
			t.Logf("%s %s [%s]: %s", r.Status, r.Name, r.Class, r.Message)
			if r.Status != report.Pass {
				t.Errorf("file %d: %s: %s %s", i, r.Name, r.Status, r.Message)
			}
		}
	}
	// An interrupted run: Ctrl-C right after the first write anywhere.
	opts = probeOpts()
	runIDs = append(runIDs, opts.RunID)
	ctx, cancel := context.WithCancel(context.Background())
	testHookAfterWrite = func(string) { cancel() }
	RunProbes(ctx, files, opts)
	testHookAfterWrite = nil
	cancel()

	// Object stores: nothing from these runs, nothing stale from before.
	check := func(store string, names []string) {
		t.Helper()
		for _, n := range names {
			root, ok := testDataRoot(n)
			if !ok {
				continue
			}
			mine := false
			for _, id := range runIDs {
				mine = mine || strings.HasPrefix(n, root+id+"/")
			}
			if mine || len(probeStaleLeftovers([]string{n}, root, "")) > 0 {
				t.Errorf("%s: stepstone test data left: %s", store, n)
			}
		}
	}
	check("MinIO", minioObjects(t, minioC, ""))
	check("Azurite", azuriteBlobs(t, azC, ""))
	check("fake-gcs-server", fakeGCSObjects(t, gcsC, ""))

	if left := te.keysUnder(t, "leftover/__stepstone/"); len(left) > 0 {
		t.Errorf("etcd: test keys left: %q", left)
	}
	if n := pgRows(t, pg, pgTable); n != 0 {
		t.Errorf("PostgreSQL: %d rows left in %s", n, pgTable)
	}
	if n := mysqlRows(t, my, myTable); n != 0 {
		t.Errorf("MySQL: %d rows left in %s", n, myTable)
	}
	if _, err := os.Stat(filepath.Join(home, testPrefixName)); !os.IsNotExist(err) {
		t.Errorf("data_home: %s is left (stat: %v)", filepath.Join(home, testPrefixName), err)
	}
}

// providerTOML renders a [[storage.providers]] table of type typ after a
// blank line; kv alternates keys and their string values.
func providerTOML(typ string, kv ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n[[storage.providers]]\ntype = %q\n", typ)
	for i := 0; i < len(kv); i += 2 {
		fmt.Fprintf(&b, "%s = %q\n", kv[i], kv[i+1])
	}
	return b.String()
}

// purgeStale deletes the stepstone test data of runs older than an hour from
// a shared test store, saying what it deleted.
func purgeStale(t *testing.T, store string, names []string, del func(string) error) {
	t.Helper()
	for _, n := range names {
		if root, ok := testDataRoot(n); !ok || len(probeStaleLeftovers([]string{n}, root, "")) == 0 {
			continue
		}
		if err := del(n); err != nil {
			t.Fatalf("%s: cannot delete %s, left by an earlier, killed test run: %v", store, n, err)
		}
		t.Logf("%s: deleted %s, left by an earlier test run that was killed", store, n)
	}
}

// testDataRoot returns the <root>/.stepstone/ prefix of an object name, if it
// is stepstone test data.
func testDataRoot(n string) (string, bool) {
	i := strings.Index(n, testPrefixName+"/")
	if i < 0 {
		return "", false
	}
	return n[:i+len(testPrefixName)+1], true
}
