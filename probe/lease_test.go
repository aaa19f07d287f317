package probe

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// The leftover tests start a stepstone run in a child process (this test
// binary again, see TestMain), kill it with SIGKILL while its data is in
// the store, and check what the next runs make of it.

// Environment of the child process.
const (
	leaseChildConf = "STEPSTONE_LEASE_CHILD_CONF" // the config file to check
	leaseChildRun  = "STEPSTONE_LEASE_CHILD_RUN"  // its run id
	leaseChildMode = "STEPSTONE_LEASE_CHILD_MODE" // "bench", or "hold:KIND"
)

// TestMain runs the child of the leftover tests when asked to, and the
// tests otherwise.
func TestMain(m *testing.M) {
	if os.Getenv(leaseChildConf) != "" {
		os.Exit(leaseChild())
	}
	os.Exit(m.Run())
}

// leaseChild is a stepstone run with a short lease that says on stdout
// how far it got and then waits to be killed: "progress: ..." lines
// during a benchmark; with "hold:KIND", "written" once the probe of KIND
// wrote (the Kafka round trip made its topic, a SQL probe inserted its
// row in a transaction still open), and then it stops there.
func leaseChild() int {
	leaseTTL, leaseRefresh = 2*time.Second, 500*time.Millisecond
	path := os.Getenv(leaseChildConf)
	text, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	f, err := configs.Load(path, text, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	opts := Options{Timeout: 3 * time.Second, OnHost: true, RunID: os.Getenv(leaseChildRun)}
	mode := os.Getenv(leaseChildMode)
	switch {
	case mode == "bench":
		p := DefaultPerfOptions()
		p.Sizes, p.Workers, p.Duration = []int64{1 << 10}, 4, time.Minute
		p.MaxRequests, p.Thresholds = 200, nil
		p.Operations = []string{"put", "get"}
		p.Progress = func(msg string) { fmt.Printf("progress: %s\n", msg) }
		opts.Perf = p
	case strings.HasPrefix(mode, "hold:"):
		opts.KafkaRoundTrip = true
		testHookAfterWrite = func(kind string) {
			if kind == strings.TrimPrefix(mode, "hold:") {
				fmt.Println("written")
				select {}
			}
		}
	}
	for _, r := range RunProbes(context.Background(), []*configs.File{f}, opts)[0] {
		fmt.Printf("result: %s %s: %s\n", r.Status, r.Name, r.Message)
	}
	fmt.Println("done")
	select {} // wait for the kill: a child that ends by itself is a test failure
}

// killedChild runs the child on conf until a line of its output contains
// until, then kills it with SIGKILL. It returns the child's run id.
func killedChild(t *testing.T, mode, conf, until string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "child.toml")
	if strings.HasPrefix(mode, "hold:") {
		path = filepath.Join(filepath.Dir(path), "metasrv.toml")
	} else {
		path = filepath.Join(filepath.Dir(path), "standalone.toml")
	}
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	run := NewRunID()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), leaseChildConf+"="+path, leaseChildRun+"="+run, leaseChildMode+"="+mode)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen []string
	sc := bufio.NewScanner(out)
	found := false
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.Contains(sc.Text(), until) {
			found = true
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup at all
		t.Fatal(err)
	}
	go io.Copy(io.Discard, out)
	_ = cmd.Wait()
	if !found {
		t.Fatalf("the child run ended before %q; its output:\n%s\n%s", until, strings.Join(seen, "\n"), stderr.String())
	}
	t.Logf("killed the child run %s after %q", run, seen[len(seen)-1])
	return run
}

// waitLeasesExpired waits until every lease under prefix is past its
// expiry, as read from the leases themselves; leaseSkew is 0 meanwhile.
func waitLeasesExpired(t *testing.T, st probeObjectStore, prefix string) {
	t.Helper()
	old := leaseSkew
	leaseSkew = 0
	t.Cleanup(func() { leaseSkew = old })
	leases, err := readLeases(context.Background(), st, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) == 0 {
		t.Fatalf("the killed run left no lease under %q", prefix)
	}
	for _, l := range leases {
		time.Sleep(time.Until(l.Expires) + 10*time.Millisecond)
	}
}

// storageConf is a standalone config with a [storage] of typ.
func storageConf(typ string, kv ...string) string {
	return strings.Replace(providerTOML(typ, kv...), "[[storage.providers]]", "[storage]", 1)
}

// storeResult is the result of the object store probe in rs.
func storeResult(t *testing.T, rs []report.ProbeResult) report.ProbeResult {
	t.Helper()
	for _, r := range rs {
		if strings.HasPrefix(r.Name, "s3 ") || strings.HasPrefix(r.Name, "azblob ") || strings.HasPrefix(r.Name, "gcs ") || strings.HasPrefix(r.Name, "data_home") {
			return r
		}
	}
	t.Fatalf("no object store result among %d", len(rs))
	return report.ProbeResult{}
}

// TestLeaseKilledBenchmark kills a benchmark with SIGKILL after it wrote
// hundreds of objects, on every object store the test servers offer, and
// checks that a read-only run reports them and keeps them, that the next
// run reports and deletes them, and that a concurrent run's live lease
// keeps its data safe throughout.
func TestLeaseKilledBenchmark(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string) (conf string, st probeObjectStore)
	}{
		{"s3", func(t *testing.T, root string) (string, probeObjectStore) {
			s3 := testenv.MinIO(t)
			return storageConf("S3", "bucket", probeTestBucket, "root", root, "endpoint", s3.URL(), "region", s3.Region,
				"access_key_id", s3.AccessKey, "secret_access_key", s3.SecretKey), s3Store{c: minioBucket(t, s3), bucket: probeTestBucket}
		}},
		{"azblob", func(t *testing.T, root string) (string, probeObjectStore) {
			az := testenv.Azurite(t)
			return storageConf("Azblob", "container", probeTestBucket, "root", root, "endpoint", az.Endpoint,
				"account_name", az.Account, "account_key", az.Key), azuriteStore(t, az)
		}},
		{"gcs", func(t *testing.T, root string) (string, probeObjectStore) {
			g := testenv.FakeGCS(t)
			return storageConf("Gcs", "bucket", probeTestBucket, "root", root, "endpoint", g.Endpoint), fakeGCSBucket(t, g)
		}},
		{"file", func(t *testing.T, _ string) (string, probeObjectStore) {
			home := t.TempDir()
			return storageConf("File", "data_home", home), fileBenchStore{root: home, dirs: &sync.Map{}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := "lease-test/" + NewRunID()
			conf, st := tc.setup(t, root)
			testRoot := root + "/" + testPrefixName + "/"
			if tc.name == "file" {
				testRoot = testPrefixName + "/"
			}
			ctx := context.Background()
			t.Cleanup(func() {
				if names, _ := st.list(ctx, testRoot); len(names) > 0 {
					_, _ = deleteObjects(ctx, st, names)
				}
			})

			// A concurrent run holds a live lease over data of its own.
			liveRun := NewRunID()
			livePrefix := testRoot + liveRun + "/"
			live := newRunLease(st, livePrefix, liveRun, "live")
			if err := live.acquire(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = live.release(ctx) })
			if err := st.put(ctx, livePrefix+"data/x", []byte("live")); err != nil {
				t.Fatal(err)
			}

			// The benchmark is killed once its PUT passes are done.
			run := killedChild(t, "bench", conf, "GET ")
			killed := testRoot + run + "/"
			left, err := st.list(ctx, killed)
			if err != nil {
				t.Fatal(err)
			}
			if len(left) < 100 {
				t.Fatalf("the killed benchmark left %d objects, want hundreds: the test does not test", len(left))
			}
			waitLeasesExpired(t, st, killed)
			t.Logf("the killed benchmark left %d objects under %s", len(left), killed)

			f := loadTestConfig(t, "standalone.toml", conf)
			wantLeftover := func(r report.ProbeResult, count int, state string) {
				t.Helper()
				if r.Status != report.Warn || r.Class != ClassLeftover {
					t.Errorf("got %s [%s] %s, want WARN [leftover]", r.Status, r.Class, r.Message)
				}
				want := fmt.Sprintf("%q (%d objects, its lease (pid", killed, count)
				if !strings.Contains(r.Message, want) || !strings.Contains(r.Message, state) {
					t.Errorf("the WARN does not name %s with its count and %q: %s", want, state, r.Message)
				}
				if strings.Contains(r.Message, fmt.Sprintf("%q (2 objects", livePrefix)) || !strings.Contains(r.Message, "another stepstone run is writing under") {
					t.Errorf("the live run is reported as left behind, or not noted: %s", r.Message)
				}
			}

			// A long probe timeout: the sweep may take half of it, and the
			// shared servers are slow on a busy machine.
			slowOpts := func() Options {
				o := probeOpts()
				o.Timeout = 30 * time.Second
				return o
			}

			// Read-only: reported, kept.
			opts := slowOpts()
			opts.ReadOnly = true
			forbidWrites(t)
			wantLeftover(storeResult(t, runFile(t, f, opts)), len(left), "left: read-only")
			testHookAfterWrite = nil
			if now, _ := st.list(ctx, killed); len(now) != len(left) {
				t.Errorf("a read-only run changed the leftovers: %d objects, were %d", len(now), len(left))
			}

			// The next run: reported and deleted; the live run untouched.
			// A run out of time says how many it left for the next one,
			// which goes on; each must make progress.
			for remaining, runs := len(left), 0; remaining > 0; runs++ {
				r := storeResult(t, runFile(t, f, slowOpts()))
				now, _ := st.list(ctx, killed)
				if len(now) > 0 {
					wantLeftover(r, remaining, "left for the next run)")
				} else {
					wantLeftover(r, remaining, "; deleted)")
				}
				if len(now) >= remaining || runs == 5 {
					t.Fatalf("%d objects of the killed run are still there after %d runs: %q", len(now), runs+1, probeListNames(now, 3))
				}
				remaining = len(now)
			}
			if now, _ := st.list(ctx, livePrefix); len(now) != 2 {
				t.Errorf("the live run's objects were touched: %q", now)
			}

			// And the run after that has nothing to say.
			if r := storeResult(t, runFile(t, f, probeOpts())); r.Status != report.Pass {
				t.Errorf("a run after the cleanup: %s %s", r.Status, r.Message)
			}
		})
	}
}

// kafkaTopicsOf lists the topics whose names start with prefix.
func kafkaTopicsOf(t *testing.T, addrs []string, prefix string) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ts, err := kadm.NewClient(cl).ListTopics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ts.Names() {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}

// TestLeaseKilledKafkaRoundTrip kills a --kafka-roundtrip run with SIGKILL
// right after it created its topic: a read-only run reports the topic,
// the next run deletes it, and a live run's topic is left alone.
func TestLeaseKilledKafkaRoundTrip(t *testing.T) {
	c := startKafka(t)
	addrs := c.ListenAddrs()
	conf := kafkaConf(addrs, "num_topics = 1\n")
	liveTopic := kafkaTestTopic(NewRunID(), time.Now().Add(time.Hour))
	if err := c.CreateTopic(liveTopic, 1, nil); err != nil {
		t.Fatal(err)
	}
	run := killedChild(t, "hold:kafka", conf, "written")
	topics := kafkaTopicsOf(t, addrs, kafkaTestTopicPrefix+run)
	if len(topics) != 1 {
		t.Fatalf("the killed run left topics %q, want one", topics)
	}
	_, until, _ := parseKafkaTestTopic(topics[0])
	old := leaseSkew
	leaseSkew = 0
	t.Cleanup(func() { leaseSkew = old })
	time.Sleep(time.Until(until) + 10*time.Millisecond)

	f := loadTestConfig(t, "metasrv.toml", conf)
	want := func(r report.ProbeResult, state string) {
		t.Helper()
		if r.Status != report.Warn || !strings.Contains(r.Message, topics[0]+" (its run ended by") || !strings.Contains(r.Message, state) {
			t.Errorf("got %s %s, want a WARN naming %s and %q", r.Status, r.Message, topics[0], state)
		}
		if strings.Contains(r.Message, liveTopic+" (its run ended") || !strings.Contains(r.Message, "another stepstone run has a test topic now") {
			t.Errorf("the live topic is reported as left behind, or not noted: %s", r.Message)
		}
	}
	opts := probeOpts()
	opts.ReadOnly = true
	want(resultNamed(t, runFile(t, f, opts), "kafka WAL topics"), "left: read-only")
	if len(kafkaTopicsOf(t, addrs, topics[0])) != 1 {
		t.Errorf("a read-only run deleted %s", topics[0])
	}
	opts = probeOpts()
	opts.KafkaRoundTrip = true
	want(resultNamed(t, runFile(t, f, opts), "kafka round trip"), "; deleted)")
	if left := kafkaTopicsOf(t, addrs, kafkaTestTopicPrefix); len(left) != 1 || left[0] != liveTopic {
		t.Errorf("test topics after the cleanup: %q, want only the live %s", left, liveTopic)
	}
}

// TestLeaseJudge covers the verdicts on another run's prefix.
func TestLeaseJudge(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	old := leaseSkew
	leaseSkew = time.Minute
	t.Cleanup(func() { leaseSkew = old })
	lease := func(exp time.Time) []leaseInfo { return []leaseInfo{{PID: 7, Host: "h", Expires: exp}} }
	for _, c := range []struct {
		name   string
		id     string
		leases []leaseInfo
		want   leftoverVerdict
	}{
		{"fresh lease", "20261202T1159-aaaaaa", lease(now.Add(30 * time.Second)), runLive},
		{"expired within the clock skew", "20261202T1159-aaaaaa", lease(now.Add(-30 * time.Second)), runLive},
		{"expired", "20261202T1150-aaaaaa", lease(now.Add(-2 * time.Minute)), runExpired},
		{"one of two leases fresh", "20261202T1150-aaaaaa",
			append(lease(now.Add(-time.Hour)), lease(now.Add(time.Minute))...), runLive},
		{"no lease, young", "20261202T1130-aaaaaa", nil, runYoung},
		{"no lease, old", "20261202T1030-aaaaaa", nil, runOrphan},
		{"no lease, not a run id", "somebody", nil, runOrphan},
	} {
		if got, why := judgeRun(c.id, c.leases, now); got != c.want {
			t.Errorf("%s: verdict %d (%s), want %d", c.name, got, why, c.want)
		}
	}

	topic := kafkaTestTopic("20261202T1159-aaaaaa", now.Add(10*time.Second))
	if id, until, ok := parseKafkaTestTopic(topic); !ok || id != "20261202T1159-aaaaaa" || !until.Equal(now.Add(10*time.Second)) {
		t.Errorf("parse %s: %q %v %v", topic, id, until, ok)
	}
	if v, _ := judgeKafkaTopic(topic, now.Add(2*time.Minute)); v != runExpired {
		t.Errorf("%s two minutes later: %d, want expired", topic, v)
	}
	if v, _ := judgeKafkaTopic(topic, now); v != runLive {
		t.Errorf("%s now: %d, want live", topic, v)
	}
	if v, _ := judgeKafkaTopic(kafkaTestTopicPrefix+"20261202T1030-aaaaaa", now); v != runOrphan {
		t.Errorf("an old topic without expiry: %d, want orphan", v)
	}
}

// TestLeftoverRunPrefixes covers the grouping of a listing by run.
func TestLeftoverRunPrefixes(t *testing.T) {
	root := "r/.stepstone/"
	ids, count := runPrefixes([]string{
		root + "a/x", root + "a/y/z", root + "b/.lease-1", root + "own/x", root + "loose", "elsewhere/a/x", root + "../x",
	}, root, "own")
	if strings.Join(ids, ",") != "a,b" || count["a"] != 2 || count["b"] != 1 {
		t.Errorf("got %q %v", ids, count)
	}
	if _, _, err := removeRunPrefix(context.Background(), fileBenchStore{root: t.TempDir()}, "r/a/"); err == nil {
		t.Errorf("removeRunPrefix deleted outside a test root")
	}
}

// TestLeaseKilledSQLProbe kills a run with SIGKILL while its PostgreSQL or
// MySQL write test has a row inserted in a transaction not yet rolled
// back. Nothing was committed, so the server drops the row with the
// connection: no row is left, and later runs have nothing to report.
func TestLeaseKilledSQLProbe(t *testing.T) {
	for _, tc := range []struct {
		kind string
		conf func(t *testing.T) (conf string, rows func() int)
	}{
		{"postgres", func(t *testing.T) (string, func() int) {
			pg := testenv.Postgres(t)
			table := pgFixtureTable(t, pg, "(k bytea PRIMARY KEY, v bytea)")
			return pgConfig(pg.DSN(), metaTableConf(table)), func() int { return pgRows(t, pg, table) }
		}},
		{"mysql", func(t *testing.T) (string, func() int) {
			my := testenv.MySQL(t)
			table := mysqlFixtureTables(t, my, "(k VARBINARY(3072) PRIMARY KEY, v BLOB)")
			return myConfig(my.URL(), metaTableConf(table)), func() int { return mysqlRows(t, my, table) }
		}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			conf, rows := tc.conf(t)
			killedChild(t, "hold:"+tc.kind, conf, "written")
			if n := rows(); n != 0 {
				t.Errorf("the killed run left %d committed rows", n)
			}
			f := loadTestConfig(t, "metasrv.toml", conf)
			ro := probeOpts()
			ro.ReadOnly = true
			for _, opts := range []Options{ro, probeOpts()} {
				if r := resultNamed(t, runFile(t, f, opts), tc.kind); r.Status != report.Pass {
					t.Errorf("read-only %v: %s [%s] %s", opts.ReadOnly, r.Status, r.Class, r.Message)
				}
			}
			if n := rows(); n != 0 {
				t.Errorf("%d rows left", n)
			}
		})
	}
}
