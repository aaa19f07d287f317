package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRunningFlagsReachTheProbes: --nodes and --greptimedb-version go
// from the command line through run.Options to the node probe.
func TestRunningFlagsReachTheProbes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			_, _ = w.Write([]byte("{}"))
		case "/status":
			_, _ = w.Write([]byte(`{"commit":"abc","branch":"HEAD","hostname":"dn-0","version":"1.2.0"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	conf := writeTestFile(t, t.TempDir(), "datanode.toml",
		"node_id = 1\n[http]\naddr = \""+addr+"\"\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:1\"]\n")
	r := runCLI(t, "", nil, "stepstone", "datanode", "-c", conf, "--timeout", "3s", "--read-only",
		"--nodes", "--greptimedb-version", "v9.9.9", "-o", "json")
	if !strings.Contains(r.stdout, "not the chosen GreptimeDB v9.9.9") {
		t.Errorf("no version warning from the node probe:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	// Without --nodes a component command leaves the node alone.
	r = runCLI(t, "", nil, "stepstone", "datanode", "-c", conf, "--timeout", "3s", "--read-only",
		"--greptimedb-version", "v9.9.9", "-o", "json")
	if strings.Contains(r.stdout, "node "+addr) {
		t.Errorf("the node was checked without --nodes:\n%s", r.stdout)
	}
}
