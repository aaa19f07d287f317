package kube

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/run"
)

const nodesManifest = `apiVersion: greptime.io/v1alpha1
kind: GreptimeDBCluster
metadata:
  name: gt
  namespace: prod
spec:
  base:
    main:
      image: greptime/greptimedb:v1.0.0
  meta:
    replicas: 1
    httpPort: 4100
    backendStorage:
      etcd:
        endpoints: ["127.0.0.1:1"]
  datanode:
    replicas: 1
  frontendGroups:
  - name: read
    replicas: 1
    httpPort: 6000
`

// parseManifest reads the manifests in text, resolved.
func parseManifest(t *testing.T, path, text string) *Manifests {
	t.Helper()
	m, err := ParseManifests(path, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	m.Resolve()
	return m
}

// The node checks reach each component through the Service the operator
// makes for it, at the component's HTTP port.
func TestServiceAddr(t *testing.T) {
	m := parseManifest(t, "cluster.yaml", nodesManifest)
	c := m.Clusters[0]
	got := map[string]string{}
	for _, comp := range c.Components() {
		got[comp.Label()] = c.ServiceAddr(comp)
	}
	want := map[string]string{
		"meta":          "gt-meta.prod.svc:4100",
		"datanode":      "gt-datanode.prod.svc:4000",
		"frontend/read": "gt-frontend-read.prod.svc:6000",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

// With --nodes the plugin checks the running nodes of every component (a
// stand-in node here, answering as GreptimeDB's handlers do), and a
// node's own release judges its config when none was chosen.
func TestClusterNodeChecks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			_, _ = w.Write([]byte("{}"))
		case "/status":
			_, _ = w.Write([]byte(`{"commit":"16e9abe4a9b0512ef9d800cb8c8f68d4167327bd","branch":"HEAD","rustc_version":"rustc 1.92.0-nightly","hostname":"gt-datanode-0","version":"v1.1.4"}`))
		case "/config":
			_, _ = w.Write([]byte("node_id = 0\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	m := parseManifest(t, "cluster.yaml", nodesManifest)
	var asked []string
	opts := Options{
		Run: run.Options{Live: true, Nodes: true, Timeout: 2 * time.Second, Deadline: 20 * time.Second},
		NodeAddr: func(c *Cluster, comp Component) string {
			asked = append(asked, c.ServiceAddr(comp))
			return strings.TrimPrefix(srv.URL, "http://")
		},
	}
	res, err := Check(context.Background(), m.Clusters, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 3 {
		t.Errorf("node addresses asked for %v, want the 3 components", asked)
	}
	var healthy int
	for _, c := range res.Components {
		if c.Component == ResourceComponent {
			continue
		}
		for _, p := range c.Probes {
			if strings.HasPrefix(p.Name, "node ") && strings.Contains(p.Message, "is healthy") {
				healthy++
				if !strings.Contains(p.Message, "schema of v1.1.4") {
					t.Errorf("%s: the node's release should judge its config (the image says v1.0.0): %s", c.Component, p.Message)
				}
			}
		}
		if c.GreptimeDB == nil || c.GreptimeDB.Version != "v1.1.4" {
			t.Errorf("%s judged by %+v, want the node's v1.1.4", c.Component, c.GreptimeDB)
		}
	}
	if healthy != 3 {
		t.Errorf("%d healthy node results, want 3", healthy)
	}
}

// Under -A, clusters of one name in two namespaces keep apart: their
// component reports are named after namespace and cluster.
func TestSameNameInTwoNamespaces(t *testing.T) {
	var clusters []*Cluster
	for _, ns := range []string{"prod", "staging"} {
		m := parseManifest(t, ns+".yaml", strings.Replace(nodesManifest, "namespace: prod", "namespace: "+ns, 1))
		clusters = append(clusters, m.Clusters...)
	}
	other := parseManifest(t, "other.yaml", strings.Replace(nodesManifest, "name: gt\n", "name: other\n", 1))
	clusters = append(clusters, other.Clusters...)
	res, err := Check(context.Background(), clusters, Options{Run: run.Options{SkipReason: "static only"}, Prefix: true})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range res.Components {
		if seen[c.Component] {
			t.Errorf("two component reports named %q", c.Component)
		}
		seen[c.Component] = true
	}
	for _, want := range []string{"prod/gt/datanode", "staging/gt/datanode", "other/datanode"} {
		if !seen[want] {
			t.Errorf("no component report %q in %v", want, seen)
		}
	}
}

// A PostgreSQL credentials Secret written with another tool's key names
// gets the hint of which key to rename, as object-storage Secrets do.
func TestSecretKeyHintsForDatabaseCredentials(t *testing.T) {
	manifest := `apiVersion: greptime.io/v1alpha1
kind: GreptimeDBCluster
metadata:
  name: gt
  namespace: prod
spec:
  base:
    main:
      image: greptime/greptimedb:v1.1.4
  meta:
    replicas: 1
    backendStorage:
      postgresql:
        host: pg.prod.svc
        port: 5432
        database: greptime
        table: greptime_metakv
        credentialsSecretName: pg-credentials
  datanode:
    replicas: 1
  frontend:
    replicas: 1
---
apiVersion: v1
kind: Secret
metadata:
  name: pg-credentials
  namespace: prod
stringData:
  POSTGRES_USER: greptime
  POSTGRES_PASSWORD: not-a-real-password
`
	m := parseManifest(t, "pg.yaml", manifest)
	res, err := Check(context.Background(), m.Clusters, Options{Run: run.Options{SkipReason: "static only"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.AllFindings() {
		if f.Rule == "crd-secret-keys" {
			got = append(got, f.Message+" | "+f.Suggestion)
		}
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{`(it has "POSTGRES_USER")`, `rename the key "POSTGRES_PASSWORD" to "password"`} {
		if !strings.Contains(all, want) {
			t.Errorf("no %s in:\n%s", want, all)
		}
	}
	if strings.Contains(all, "not-a-real-password") {
		t.Errorf("a Secret's value was printed:\n%s", all)
	}
}
