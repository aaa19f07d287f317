package run

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// TestTimeoutBoundsEveryProbe: --timeout (Options.Timeout) is normalised
// here, once, and reaches each probe as its context's deadline; every
// client derives its dial, TLS and request timeouts from that deadline. A
// dependency that accepts connections and never answers therefore fails
// as a timeout within --timeout, for every kind of client, and not after
// probe.DefaultTimeout or an SDK's own default.
func TestTimeoutBoundsEveryProbe(t *testing.T) {
	hole := testenv.BlackholeAddr(t)
	const timeout = 1500 * time.Millisecond
	// What a probe may take on top of its timeout: classifying, cleanup.
	const slack = time.Second
	meta := func(backend, addr string) Unit {
		conf := fmt.Sprintf("backend = %q\nstore_addrs = [%q]\n", backend, addr)
		return Unit{File: load(t, "metasrv.toml", conf, configs.Metasrv)}
	}
	datanode := fmt.Sprintf(`node_id = 1
[meta_client]
metasrv_addrs = [%[1]q]
[storage]
type = "S3"
bucket = "stepstone-timeout"
region = "us-east-1"
endpoint = "http://%[2]s"
access_key_id = "AKIDTIMEOUT"
secret_access_key = "timeout-secret-key"
[[storage.providers]]
name = "az"
type = "Azblob"
container = "c"
endpoint = "http://%[2]s/devstoreaccount1"
account_name = "devstoreaccount1"
account_key = %[3]q
[[storage.providers]]
name = "gs"
type = "Gcs"
bucket = "stepstone-timeout"
endpoint = "http://%[2]s"
`, hole, hole, testenv.AzuriteWellKnownKey)
	units := []Unit{
		meta("etcd_store", hole),
		meta("postgres_store", "postgres://u:p@"+hole+"/db?sslmode=disable"),
		meta("mysql_store", "mysql://u:p@"+hole+"/db"),
		{File: load(t, "datanode.toml", datanode, configs.Datanode)},
	}
	start := time.Now()
	r := Run(context.Background(), units, Options{Live: true, Timeout: timeout})
	took := time.Since(start)

	want := []string{"etcd " + hole, "postgres ", "mysql ", "metasrv " + hole, "s3 bucket", "azblob container", "gcs bucket"}
	found := map[string]bool{}
	for _, c := range r.Components {
		for _, p := range c.Probes {
			t.Logf("%s %s [%s] %s (%s)", p.Status, p.Name, p.Class, p.Message, p.Duration.Round(time.Millisecond))
			for _, w := range want {
				if !strings.HasPrefix(p.Name, w) {
					continue
				}
				found[w] = true
				if p.Status != report.Fail || p.Class != report.ClassTimeout {
					t.Errorf("%s: %s [%s], want FAIL of class timeout", p.Name, p.Status, p.Class)
				}
				if p.Duration > timeout+slack {
					t.Errorf("%s took %s with --timeout %s", p.Name, p.Duration.Round(time.Millisecond), timeout)
				}
			}
		}
	}
	for _, w := range want {
		if !found[w] {
			t.Errorf("no probe result named %q...", w)
		}
	}
	// The probes run at once; the run waits for the slowest, then for
	// cleanup. Far below probe.DefaultTimeout (10s).
	if took > 2*timeout+2*slack {
		t.Errorf("the run took %s with --timeout %s", took.Round(time.Millisecond), timeout)
	}
}
