package run

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/probe"
)

// versionNode is a stand-in GreptimeDB node whose /health and /status
// follow the recorded bodies in probe/testdata/nodes (handler.rs), with
// the version given.
func versionNode(t *testing.T, version string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/health":
			_, _ = w.Write([]byte("{}"))
		case "/status":
			_, _ = w.Write([]byte(`{"commit":"16e9abe4a9b0512ef9d800cb8c8f68d4167327bd","branch":"HEAD","rustc_version":"rustc 1.92.0-nightly","hostname":"greptimedb-datanode-0","version":"` + version + `"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// A running node's release judges its config when the user chose none:
// concurrent_query_limiter_timeout is a datanode option since v1.1.0, so
// a node running v1.0.0 does not read it, and one running v1.1.4 does.
func TestRunningNodeChoosesTheSchema(t *testing.T) {
	conf := func(addr string) string {
		return "node_id = 1\nconcurrent_query_limiter_timeout = \"1s\"\n[http]\naddr = \"" + addr + "\"\n"
	}
	unknownKey := func(fs []string) bool {
		for _, f := range fs {
			if strings.Contains(f, "concurrent_query_limiter_timeout") {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		name, node string
		chosen     string // --greptimedb-version
		want       string
		flagged    bool
	}{
		{name: "old node", node: "v1.0.0", want: "v1.0.0", flagged: true},
		{name: "new node", node: "1.1.4", want: "v1.1.4", flagged: false},
		{name: "chosen version wins", node: "v1.0.0", chosen: "v1.1.4", want: "v1.1.4", flagged: false},
		{name: "not a version", node: "custom-build", want: configs.DefaultVersion().Name, flagged: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := versionNode(t, tc.node)
			f := load(t, "datanode.toml", conf(addr), configs.Datanode)
			o := Options{Live: true, NodesAuto: true, Timeout: 2 * time.Second, Deadline: 5 * time.Second}
			if tc.chosen != "" {
				v, err := configs.ParseVersion(tc.chosen, "--greptimedb-version")
				if err != nil {
					t.Fatal(err)
				}
				o.GreptimeDBVersion = v
			}
			r := Run(context.Background(), []Unit{{File: f}}, o)
			c := r.Components[0]
			if c.GreptimeDB == nil || c.GreptimeDB.Version != tc.want {
				t.Fatalf("judged by %+v, want %s", c.GreptimeDB, tc.want)
			}
			if tc.chosen == "" && tc.node != "custom-build" && !strings.HasPrefix(c.GreptimeDB.Source, probe.NodeVersionSource) {
				t.Errorf("source %q does not name the running node", c.GreptimeDB.Source)
			}
			if tc.chosen == "" && tc.node != "custom-build" {
				var said bool
				for _, p := range c.Probes {
					said = said || strings.Contains(p.Message, "judged by the schema of "+tc.want)
				}
				if !said {
					t.Errorf("no node probe says which schema judged the config: %+v", c.Probes)
				}
			}
			var texts []string
			for _, fd := range c.Findings {
				texts = append(texts, fd.Key+": "+fd.Message)
			}
			if unknownKey(texts) != tc.flagged {
				t.Errorf("concurrent_query_limiter_timeout flagged=%v, want %v: %v", !tc.flagged, tc.flagged, texts)
			}
		})
	}
}
