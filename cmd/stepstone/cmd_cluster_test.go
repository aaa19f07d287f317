package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// operatorExamples are the shared operator examples, relative to this
// package.
const operatorExamples = "../../../shared/greptime-configs/upstream/greptimedb-operator/examples/cluster"

func requireExamples(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(operatorExamples); err != nil {
		t.Fatalf("shared operator examples missing at %s (%v): check out shared/ beside the repository", operatorExamples, err)
	}
}

// TestClusterExamples runs `cluster -f` on every shared operator example:
// the verdict, the exit code, and findings on YAML lines.
func TestClusterExamples(t *testing.T) {
	requireExamples(t)
	cases := []struct {
		example string
		code    int
		verdict string
		want    string
	}{
		{"add-custom-config", 1, "FAIL", "cluster.yaml:33:7: error: region_engine.mito.max_background_jobs was renamed"},
		{"azblob", 0, "WARN", "cluster.yaml:22:7: warning: the operator copies Secret \"azblob-credentials\""},
		{"gcs", 0, "WARN", "cluster.yaml:22:7: warning: the operator copies Secret \"gcs-credentials\""},
		{"mysql-meta-backend", 0, "WARN", "cluster.yaml:17:9: warning: the operator copies Secret \"mysql-credentials\""},
		{"oss", 0, "WARN", "cluster.yaml:22:7: warning: the operator copies Secret \"oss-credentials\""},
		{"postgresql-meta-backend", 0, "WARN", "cluster.yaml:17:9: warning: the operator copies Secret \"postgresql-credentials\""},
		{"s3", 0, "WARN", "cluster.yaml:23:7: warning: the operator copies Secret \"s3-credentials\""},
	}
	for _, tc := range cases {
		t.Run(tc.example, func(t *testing.T) {
			path := filepath.Join(operatorExamples, tc.example, "cluster.yaml")
			r := runCLI(t, "", nil, "stepstone", "cluster", "--static-only", "-f", path)
			if r.code != tc.code || !strings.Contains(r.stdout, "Result: "+tc.verdict) {
				t.Fatalf("exit %d (want %d), verdict want %s\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, tc.verdict, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, r.stdout)
			}
		})
	}
}

// TestClusterFlags covers usage errors and kubectl-style flags after the
// cluster's name.
func TestClusterFlags(t *testing.T) {
	requireExamples(t)
	s3 := filepath.Join(operatorExamples, "s3", "cluster.yaml")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no name and no file", []string{"cluster"}, 2, "name the GreptimeDBCluster"},
		{"flags after the name", []string{"cluster", "-f", s3, "cluster-with-s3", "--static-only", "-o", "json"}, 0, `"overall_result": "WARN"`},
		{"name not in the file", []string{"cluster", "-f", s3, "other"}, 2, `no GreptimeDBCluster named "other"`},
		{"in-cluster with a file", []string{"cluster", "--in-cluster", "-f", s3}, 2, "--in-cluster checks a live cluster"},
		{"unknown flag after the name", []string{"cluster", "-f", s3, "x", "--bogus"}, 2, "--bogus"},
		{"in-cluster report to a file", []string{"cluster", "demo", "--in-cluster", "-o", "sarif=out.sarif"}, 2, "cannot write a file"},
		{"bad kubeconfig", []string{"cluster", "demo", "--kubeconfig", "/nonexistent/kubeconfig"}, 2, "could not load the kubeconfig"},
		{"two names", []string{"cluster", "a", "b"}, 2, `unexpected argument "b"`},
		{"-A with -n", []string{"clusters", "-A", "-n", "x"}, 2, "-A and -n"},
		{"stdin", []string{"cluster", "--static-only", "-f", "-"}, 0, "<stdin>:23:7: warning"},
		{"not a manifest", []string{"cluster", "-f", "../../configs/examples/datanode.toml"}, 2, "no GreptimeDBCluster or greptimedb-cluster Helm values"},
	}
	stdin, err := os.ReadFile(s3)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, string(stdin), nil, append([]string{"stepstone"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Errorf("exit %d (want %d), want %q in\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// fakeAPIServer serves a GreptimeDBCluster, 404 for its ConfigMaps and 403
// for its Secrets, as an API server would to a user without Secret access.
func fakeAPIServer(t *testing.T, example, ns string) *httptest.Server {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(operatorExamples, example, "cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	md := obj["metadata"].(map[string]any)
	md["namespace"], md["uid"] = ns, "0b9f8f0e-0000-4000-8000-000000000002"
	name := md["name"].(string)
	status := func(w http.ResponseWriter, code int, reason, kind, name string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "code": code,
			"message": fmt.Sprintf("%s %q is %s", kind, name, strings.ToLower(reason)),
			"details": map[string]any{"name": name, "kind": kind},
		})
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := "/apis/greptime.io/v1alpha1/namespaces/" + ns + "/greptimedbclusters"
		switch {
		case r.URL.Path == base+"/"+name:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(obj)
		case r.URL.Path == base || r.URL.Path == "/apis/greptime.io/v1alpha1/greptimedbclusters":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"apiVersion": "greptime.io/v1alpha1", "kind": "GreptimeDBClusterList",
				"metadata": map[string]any{}, "items": []any{obj}})
		case strings.HasPrefix(r.URL.Path, "/api/v1/namespaces/"+ns+"/configmaps/"):
			status(w, http.StatusNotFound, "NotFound", "configmaps", filepath.Base(r.URL.Path))
		case strings.HasPrefix(r.URL.Path, "/api/v1/namespaces/"+ns+"/secrets/"):
			status(w, http.StatusForbidden, "Forbidden", "secrets", filepath.Base(r.URL.Path))
		default:
			status(w, http.StatusNotFound, "NotFound", "greptimedbclusters", filepath.Base(r.URL.Path))
		}
	}))
}

// writeClusterFile writes a test file; the other tests' helpers may change
// under them.
func writeClusterFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeKubeconfig(t *testing.T, server, ns string) string {
	t.Helper()
	return writeClusterFile(t, t.TempDir(), "kubeconfig", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
users:
- name: dev
  user:
    token: not-a-real-token
contexts:
- name: test
  context:
    cluster: test
    user: dev
    namespace: %s
current-context: test
`, server, ns))
}

// TestClusterLiveAPI reads a cluster through --kubeconfig from an API
// server that forbids Secrets: WARN, and the rest checked.
func TestClusterLiveAPI(t *testing.T) {
	requireExamples(t)
	srv := fakeAPIServer(t, "s3", "team")
	defer srv.Close()
	kc := writeKubeconfig(t, srv.URL, "team")
	r := runCLI(t, "", []string{"HOME=" + t.TempDir()}, "kubectl-stepstone", "cluster", "cluster-with-s3", "--kubeconfig", kc, "--static-only")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"⚠ Secret s3-credentials",
		"not allowed to read it",
		"⚠ ConfigMap cluster-with-s3-datanode",
		"greptimedbcluster/cluster-with-s3 -n team spec.objectStorage.s3.secretName: warning: the operator copies Secret",
		"Result: WARN",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	// KUBECONFIG and -n work as for kubectl; a missing cluster is a usage
	// error.
	r = runCLI(t, "", []string{"KUBECONFIG=" + kc}, "stepstone", "cluster", "nope", "-n", "team", "--static-only")
	if r.code != 2 || strings.Count(r.stderr, "not found") != 1 || !strings.Contains(r.stderr, `greptimedbcluster "nope" not found in namespace "team"`) {
		t.Errorf("missing cluster: exit %d\n%s", r.code, r.stderr)
	}
	r = runCLI(t, "", []string{"KUBECONFIG=" + kc}, "stepstone", "clusters", "-A", "--static-only", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"greptimedbcluster"`) {
		t.Errorf("clusters -A: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestClusterJobMode runs what the --in-cluster Job runs: the resource's
// JSON from the pod annotation, ConfigMaps and Secrets from volumes.
func TestClusterJobMode(t *testing.T) {
	requireExamples(t)
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(operatorExamples, "oss", "cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	_ = json.Unmarshal(js, &obj)
	obj["metadata"].(map[string]any)["namespace"] = "greptime"
	obj["metadata"].(map[string]any)["uid"] = "0b9f8f0e-0000-4000-8000-000000000003"
	js, _ = json.Marshal(obj)
	resource := writeClusterFile(t, dir, "cluster.json", string(js))
	// The OSS Secret named with the S3 key, as people do.
	sec := filepath.Join(dir, "secrets", "oss-credentials")
	if err := os.MkdirAll(sec, 0o755); err != nil {
		t.Fatal(err)
	}
	writeClusterFile(t, sec, "access-key-id", "LTAI5tEXAMPLE")
	writeClusterFile(t, sec, "secret-access-key", "EXAMPLEsecretVALUE")
	cm := filepath.Join(dir, "configmaps", "cluster-with-oss-datanode")
	if err := os.MkdirAll(cm, 0o755); err != nil {
		t.Fatal(err)
	}
	writeClusterFile(t, cm, "config.toml", "[storage]\ntype = \"Oss\"\nbucket = \"greptimedb\"\nendpoint = \"oss-cn-hangzhou.aliyuncs.com\"\n")
	r := runCLI(t, "", nil, "stepstone", "cluster", "-f", resource, "--configmaps", filepath.Join(dir, "configmaps"),
		"--secrets", filepath.Join(dir, "secrets"), "--static-only")
	want := `greptimedbcluster/cluster-with-oss -n greptime spec.objectStorage.oss.secretName: error: Secret "oss-credentials" has no key "access-key-secret", which the operator reads for the oss credentials (it has "secret-access-key") [crd-secret-keys]`
	if r.code != 1 || !strings.Contains(r.stdout, want) {
		t.Errorf("exit %d, want %q in\nstdout:\n%s\nstderr:\n%s", r.code, want, r.stdout, r.stderr)
	}
}

// TestClusterPluginDiscovery installs the binary as kubectl-stepstone and
// gtctl-stepstone on PATH: the real `kubectl plugin list` must find it,
// and both names must show in help.
func TestClusterPluginDiscovery(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl is not installed (%v): run scripts/testenv.sh up, which installs it", err)
	}
	bin := t.TempDir()
	plugin := filepath.Join(bin, "kubectl-stepstone")
	build := exec.Command("go", "build", "-o", plugin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.Symlink("kubectl-stepstone", filepath.Join(bin, "gtctl-stepstone")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("KUBECONFIG", filepath.Join(bin, "no-kubeconfig"))

	out, err := exec.Command(kubectl, "plugin", "list").CombinedOutput()
	if err != nil && !strings.Contains(string(out), plugin) {
		t.Fatalf("kubectl plugin list: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), plugin) {
		t.Errorf("kubectl plugin list does not list %s:\n%s", plugin, out)
	}
	// kubectl runs the plugin with argv[0] set to its path.
	out, err = exec.Command(kubectl, "stepstone", "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "kubectl stepstone") {
		t.Errorf("kubectl stepstone --help: %v\n%s", err, out)
	}
	for name, want := range map[string]string{"kubectl-stepstone": "kubectl stepstone", "gtctl-stepstone": "gtctl stepstone"} {
		path, err := exec.LookPath(name) // as gtctl finds its plugins
		if err != nil {
			t.Errorf("%s not found on PATH: %v", name, err)
			continue
		}
		out, err := exec.Command(path, "--help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) || !strings.Contains(string(out), "clusters") {
			t.Errorf("%s --help: %v, want %q and the cluster command in\n%s", name, err, want, out)
		}
	}
}

func TestKubectlArgs(t *testing.T) {
	got := kubectlArgs([]string{"kubectl-stepstone", "clusters", "-A", "-v=6", "--v=8", "-v", "--", "-v=6"})
	want := []string{"kubectl-stepstone", "clusters", "-A", "--" + kubeVerbosityFlag + "=6", "--" + kubeVerbosityFlag + "=8", "-v", "--", "-v=6"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("kubectlArgs = %q", got)
	}
	if got := kubectlArgs([]string{"stepstone", "run", "-v=6"}); got[2] != "-v=6" {
		t.Errorf("rewrote a non-cluster command: %q", got)
	}
	for in, want := range map[string]time.Duration{"0": 0, "": 0, "5": 5 * time.Second, "1m": time.Minute, "250ms": 250 * time.Millisecond} {
		if d, err := parseRequestTimeout(in); err != nil || d != want {
			t.Errorf("parseRequestTimeout(%q) = %v, %v", in, d, err)
		}
	}
	if _, err := parseRequestTimeout("soon"); err == nil {
		t.Error("parseRequestTimeout accepted soon")
	}
}
