package probe

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// nodeServer is a stand-in GreptimeDB node serving the recorded bodies of
// testdata/nodes (see its README for the handlers they follow). config
// replaces the recorded /config when set.
func nodeServer(t *testing.T, config string) string {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "nodes", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	health, status := read("health.json"), read("status.json")
	if config == "" {
		config = string(read("config-datanode.toml"))
	}
	var addr string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(health)
		case "/status":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(status)
		case "/config":
			_, _ = w.Write([]byte(strings.ReplaceAll(config, "127.0.0.1:4000", addr)))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	addr = strings.TrimPrefix(srv.URL, "http://")
	return addr
}

// datanodeConf is a datanode config listening on addr whose values match
// the recorded /config, spelled differently where GreptimeDB allows it.
func datanodeConf(addr, extra string) string {
	return `node_id = 42
[http]
addr = "` + addr + `"
body_limit = "64MB"
[wal]
provider = "raft_engine"
file_size = "128MB"
purge_interval = "60s"
` + extra
}

func TestProbeNode(t *testing.T) {
	addr := nodeServer(t, "")
	run := func(t *testing.T, conf string, opts Options) []report.ProbeResult {
		return runFile(t, loadTestConfig(t, "datanode.toml", conf), opts)
	}
	nodes := func() Options {
		o := probeOpts()
		o.Nodes = true
		o.GreptimeDBVersion = "v1.2.0-beta.2"
		return o
	}

	t.Run("healthy, same version, no drift", func(t *testing.T) {
		rs := run(t, datanodeConf(addr, ""), nodes())
		r := resultNamed(t, rs, "node "+addr)
		wantResult(t, r, report.Pass, "", "http.addr", 3)
		if !strings.Contains(r.Message, "version 1.2.0-beta.2") || !strings.Contains(r.Message, "host greptimedb-datanode-0") {
			t.Errorf("message: %s", r.Message)
		}
		d := resultNamed(t, rs, "config drift of node "+addr)
		wantResult(t, d, report.Pass, "", "http.addr", 3)
	})
	t.Run("version mismatch", func(t *testing.T) {
		o := nodes()
		o.GreptimeDBVersion = "1.1.4"
		r := resultNamed(t, run(t, datanodeConf(addr, ""), o), "node "+addr)
		wantResult(t, r, report.Warn, "", "http.addr", 3)
		if !strings.Contains(r.Message, "runs 1.2.0-beta.2, not the chosen GreptimeDB 1.1.4") {
			t.Errorf("message: %s", r.Message)
		}
	})
	conf := datanodeConf(addr, "read_batch_size = 256\n[storage]\ndata_home = \"/var/lib/greptimedb\"\n")
	t.Run("drift", func(t *testing.T) {
		d := resultNamed(t, run(t, conf, nodes()), "config drift of node "+addr)
		wantResult(t, d, report.Warn, "", "wal.read_batch_size", lineOf(t, conf, "read_batch_size"))
		for _, want := range []string{"2 values that differ", "wal.read_batch_size (datanode.toml:9)", `storage.data_home (datanode.toml:11)`, `is "/var/lib/greptimedb" in the file, "/greptimedb_data" on the node`} {
			if !strings.Contains(d.Message, want) {
				t.Errorf("message %q lacks %q", d.Message, want)
			}
		}
		if len(d.Metrics) != 1 || d.Metrics[0].Value != 2 {
			t.Errorf("metrics: %+v", d.Metrics)
		}
	})
	t.Run("fail on drift", func(t *testing.T) {
		o := nodes()
		o.FailOnDrift = true
		d := resultNamed(t, run(t, conf, o), "config drift of node "+addr)
		wantResult(t, d, report.Fail, ClassUnhealthy, "wal.read_batch_size", lineOf(t, conf, "read_batch_size"))
	})
	t.Run("another component's node", func(t *testing.T) {
		conf := "backend = \"etcd_store\"\nstore_addrs = [\"127.0.0.1:2379\"]\nselector = \"round_robin\"\nenable_region_failover = false\n[http]\naddr = \"" + addr + "\"\n"
		o := nodes()
		o.Timeout = testTimeout / 5
		d := resultNamed(t, runFile(t, loadTestConfig(t, "metasrv.toml", conf), o), "config drift of node "+addr)
		wantResult(t, d, report.Warn, "", "http.addr", 6)
		if !strings.Contains(d.Message, "probably another component") {
			t.Errorf("message: %s", d.Message)
		}
	})
	t.Run("no node, explicit", func(t *testing.T) {
		rs := run(t, datanodeConf(testenv.RefusedAddr(t), ""), nodes())
		for _, r := range rs {
			if strings.HasPrefix(r.Name, "node ") || strings.HasPrefix(r.Name, "config drift") {
				wantResult(t, r, report.Fail, ClassRefused, "http.addr", 3)
			}
		}
	})
	t.Run("no node, automatic", func(t *testing.T) {
		o := probeOpts()
		o.NodesAuto = true
		rs := run(t, datanodeConf(testenv.RefusedAddr(t), ""), o)
		for _, r := range rs {
			if strings.HasPrefix(r.Name, "node ") || strings.HasPrefix(r.Name, "config drift") {
				wantResult(t, r, report.Skip, "", "http.addr", 3)
			}
		}
	})
	t.Run("off by default", func(t *testing.T) {
		for _, r := range run(t, datanodeConf(addr, ""), probeOpts()) {
			if strings.HasPrefix(r.Name, "node ") || strings.HasPrefix(r.Name, "config drift") {
				t.Errorf("node probe without --nodes: %s", r.Name)
			}
		}
	})
}

// TestNodeDriftSecrets: a secret that differs is reported by key only, and
// one that matches is not reported; neither value is ever printed.
func TestNodeDriftSecrets(t *testing.T) {
	const filePass, nodePass = "File-kafka-Passw0rd", "Node-kafka-Passw0rd"
	const fileDSN = "postgres://greptime:Dsn-Passw0rd-1@db:5432/meta"
	conf := "store_addrs = [\"" + fileDSN + "\"]\n[wal]\nprovider = \"kafka\"\n[wal.sasl]\ntype = \"PLAIN\"\nusername = \"u\"\npassword = \"" + filePass + "\"\n"
	served := "store_addrs = [\"" + fileDSN + "\"]\n[wal]\nprovider = \"kafka\"\n[wal.sasl]\ntype = \"PLAIN\"\nusername = \"u\"\npassword = \"" + nodePass + "\"\n"
	f := loadTestConfig(t, "metasrv.toml", conf)
	drift, compared, _, err := nodeDrift(f, []byte(served))
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) != 1 || drift[0].key != "wal.sasl.password" || !drift[0].secret {
		t.Fatalf("drift = %+v (compared %d)", drift, compared)
	}
	msg := drift[0].String()
	for _, s := range []string{filePass, nodePass, "Dsn-Passw0rd-1"} {
		if strings.Contains(msg, s) {
			t.Errorf("drift message %q shows a secret", msg)
		}
	}
	if !strings.Contains(msg, "compared by hash") || !strings.Contains(msg, "metasrv.toml:7)") {
		t.Errorf("drift message %q", msg)
	}
}

// TestNodeTextIsSafe: text a node sends reaches a terminal escaped, on one
// line, and short.
func TestNodeTextIsSafe(t *testing.T) {
	for _, s := range []string{sanitizeNodeText("v1\x1b[2J\n::error::x\u202e"), nodeShow("a\x1b]0;t\x07"), nodeShow([]any{"\r\n"})} {
		if strings.ContainsAny(s, "\x1b\x07\r\n\u202e") {
			t.Errorf("unsafe node text %q", s)
		}
	}
	if got := sanitizeNodeText(strings.Repeat("é", 300)); len([]rune(got)) != 203 {
		t.Errorf("long text kept %d characters, want 200 and an ellipsis", len([]rune(got)))
	}
}
