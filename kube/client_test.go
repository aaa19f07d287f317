package kube

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/run"
)

// exampleObject reads a shared operator example as the API server would
// return it, in namespace ns.
func exampleObject(t *testing.T, example, ns string) *unstructured.Unstructured {
	t.Helper()
	path := filepath.Join(upstreamExamples, example, "cluster.yaml")
	requireShared(t, path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	u.SetNamespace(ns)
	u.SetUID("4d1c9f6e-0000-4000-8000-000000000001")
	_ = unstructured.SetNestedField(u.Object, "Running", "status", "clusterPhase")
	return u
}

func secretObject(ns, name string, data map[string]string) *unstructured.Unstructured {
	enc := map[string]any{}
	for k, v := range data {
		enc[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"data":     enc,
	}}
}

func configMapObject(ns, name, toml string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"data":     map[string]any{"config.toml": toml},
	}}
}

func newFake(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), ListKinds, objs...)
}

// The datanode ConfigMap as the operator renders it for the s3 example
// (go-toml's output, shape from operator PR #343), with a root that only
// the ConfigMap has, to tell which one the probes read.
const s3DatanodeConfigMap = `[logging]
  dir = "/data/greptimedb/logs"
  level = "info"
  log_format = "text"

[storage]
  access_key_id = "AKIDFROMSECRET"
  bucket = "greptimedb"
  data_home = "/data/greptimedb"
  endpoint = ""
  region = "ap-southeast-1"
  root = "root-from-configmap"
  secret_access_key = "secret-from-secret-0123"
  type = "S3"

[wal]
  dir = "/data/greptimedb/wal"
`

// TestClusterFromFakeAPI reads a cluster, its generated ConfigMaps and its
// Secret through the dynamic client, and checks them.
func TestClusterFromFakeAPI(t *testing.T) {
	const ns = "greptime"
	client := newFake(
		exampleObject(t, "s3", ns),
		secretObject(ns, "s3-credentials", map[string]string{"access-key-id": "AKIDFROMSECRET", "secret-access-key": "secret-from-secret-0123"}),
		configMapObject(ns, "cluster-with-s3-meta", "backend = \"etcd_store\"\nstore_addrs = [\"etcd.etcd-cluster.svc.cluster.local:2379\"]\n"),
		configMapObject(ns, "cluster-with-s3-datanode", s3DatanodeConfigMap),
		configMapObject(ns, "cluster-with-s3-frontend", "[logging]\ndir = \"/data/greptimedb/logs\"\n"),
	)
	cl := &Client{Dynamic: client, Namespace: ns}
	c, err := cl.GetCluster(context.Background(), ns, "cluster-with-s3")
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Secrets["s3-credentials"]; s == nil || s.State != SecretFound || string(s.Data["secret-access-key"]) != "secret-from-secret-0123" {
		t.Fatalf("Secret not read: %+v", s)
	}
	for _, name := range []string{"cluster-with-s3-meta", "cluster-with-s3-datanode", "cluster-with-s3-frontend"} {
		if cm := c.ConfigMaps[name]; cm == nil || !cm.Found {
			t.Errorf("ConfigMap %s not read", name)
		}
	}
	for _, a := range c.Access {
		if a.Status != report.Pass {
			t.Errorf("unexpected access result: %+v", a)
		}
	}
	res, err := Check(context.Background(), []*Cluster{c}, Options{Run: run.Options{SkipReason: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	r := &report.Report{Components: res.Components, ClusterFindings: res.ClusterFindings}
	got := render(r)
	// Findings name the resource and field: there are no lines.
	want := `greptimedbcluster/cluster-with-s3 -n greptime spec.objectStorage.s3.secretName: warning: the operator copies Secret "s3-credentials" into ConfigMap cluster-with-s3-datanode in plain text (storage credentials) [crd-credentials-in-configmap]`
	if !strings.Contains(got, want) {
		t.Errorf("missing %q in\n%s", want, got)
	}
	if strings.Contains(got, "crd-secret-unchecked") || strings.Contains(got, "crd-secret-keys") {
		t.Errorf("the Secret was read, yet:\n%s", got)
	}
	// Live checks probe what the pods run with: the ConfigMap.
	var datanode bool
	for _, f := range res.Files {
		if f.Component == "datanode" {
			datanode = true
			if root, _ := f.String("storage.root"); root != "root-from-configmap" {
				t.Errorf("datanode probes use storage.root %q, want the ConfigMap's", root)
			}
			if addrs, _ := f.Get("meta_client.metasrv_addrs[0]"); addrs != "cluster-with-s3-meta.greptime:3002" {
				t.Errorf("metasrv_addrs[0] = %v, want the operator's --metasrv-addrs", addrs)
			}
		}
	}
	if !datanode {
		t.Error("no datanode config")
	}
	// Secrets never reach the report.
	var buf bytes.Buffer
	if err := report.WriteText(&buf, &report.Report{Components: res.Components}, report.TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "secret-from-secret-0123") {
		t.Errorf("the report prints the secret access key:\n%s", buf.String())
	}
}

// TestSecretForbidden: without permission to read Secrets, the read is a
// WARN and everything else is still checked.
func TestSecretForbidden(t *testing.T) {
	const ns = "team-a"
	client := newFake(
		exampleObject(t, "postgresql-meta-backend", ns),
		configMapObject(ns, "postgresql-meta-backend-meta", "backend = \"postgres_store\"\n"),
	)
	client.PrependReactor("get", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, a.(k8stesting.GetAction).GetName(),
			errors.New(`User "dev" cannot get resource "secrets" in API group "" in the namespace "team-a"`))
	})
	res := checkLive(t, client, ns, "postgresql-meta-backend")
	resource := res.Components[0]
	var warned bool
	for _, p := range resource.Probes {
		if p.Name == "Secret postgresql-credentials" {
			warned = true
			if p.Status != report.Warn || !strings.Contains(p.Message, "not allowed to read it") ||
				!strings.Contains(p.Message, "copies them into a ConfigMap this user can read") {
				t.Errorf("forbidden Secret result = %+v", p)
			}
		}
	}
	if !warned {
		t.Fatalf("no WARN for the forbidden Secret: %+v", resource.Probes)
	}
	// The rest is checked: the resource rules, and every component.
	if len(res.Components) != 4 {
		t.Errorf("%d component reports, want the resource, metasrv, datanode and frontend", len(res.Components))
	}
	var rules []string
	for _, f := range resource.Findings {
		rules = append(rules, f.Rule)
	}
	if strings.Join(rules, ",") != "crd-credentials-in-configmap" {
		t.Errorf("resource findings = %v", rules)
	}
	r := &report.Report{Components: res.Components, FailOn: report.Error}
	if v := r.Verdict(); v != report.Warn {
		t.Errorf("verdict %s, want WARN", v)
	}
}

// TestListClusters lists across namespaces and sorts the clusters.
func TestListClusters(t *testing.T) {
	client := newFake(exampleObject(t, "s3", "b"), exampleObject(t, "gcs", "a"), exampleObject(t, "oss", "b"))
	cl := &Client{Dynamic: client}
	all, err := cl.ListClusters(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range all {
		got = append(got, c.Namespace+"/"+c.Name)
	}
	if strings.Join(got, " ") != "a/cluster-with-gcs b/cluster-with-oss b/cluster-with-s3" {
		t.Errorf("clusters = %v", got)
	}
	inB, err := cl.ListClusters(context.Background(), "b")
	if err != nil || len(inB) != 2 {
		t.Errorf("namespace b: %d clusters, %v", len(inB), err)
	}
	// A missing ConfigMap is a WARN that says why it matters.
	var warn string
	for _, p := range all[0].Access {
		if strings.HasPrefix(p.Name, "ConfigMap ") && p.Status == report.Warn {
			warn = p.Message
		}
	}
	if !strings.Contains(warn, "not found") {
		t.Errorf("no WARN for the missing ConfigMaps: %+v", all[0].Access)
	}
}

// TestGetClusterNotFound is ErrNotFound, which the CLI turns into a usage
// error.
func TestGetClusterNotFound(t *testing.T) {
	cl := &Client{Dynamic: newFake()}
	_, err := cl.GetCluster(context.Background(), "default", "nope")
	if !errors.Is(err, ErrNotFound) || err.Error() != `greptimedbcluster "nope" not found in namespace "default"` {
		t.Errorf("err = %v", err)
	}
}

// fakeLogs serves a fixed report as the pod's log.
type fakeLogs struct {
	mu     sync.Mutex
	report string
	calls  []string
}

func (f *fakeLogs) Stream(_ context.Context, ns, pod, container string, follow bool) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, ns+"/"+pod+"/"+container)
	if !follow {
		return nil, errors.New("want follow")
	}
	return io.NopCloser(strings.NewReader(f.report)), nil
}

// podFor is the pod the Job controller would start for job.
func podFor(job *unstructured.Unstructured, phase string, container map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{
			"name": job.GetName() + "-x7k2p", "namespace": job.GetNamespace(),
			"labels": map[string]any{"job-name": job.GetName()},
		},
		"status": map[string]any{"phase": phase, "containerStatuses": []any{container}},
	}}
}

// TestJobFlow creates the Job, waits for its pod, streams the report,
// returns stepstone's exit code from inside and deletes the Job.
func TestJobFlow(t *testing.T) {
	const ns = "greptime"
	client := newFake(exampleObject(t, "s3", ns), secretObject(ns, "s3-credentials", map[string]string{"access-key-id": "a", "secret-access-key": "b"}))
	// The Job controller: a pod appears for the Job, and has run.
	client.PrependReactor("create", "jobs", func(a k8stesting.Action) (bool, runtime.Object, error) {
		job := a.(k8stesting.CreateAction).GetObject().(*unstructured.Unstructured)
		pod := podFor(job, "Failed", map[string]any{"name": "stepstone", "state": map[string]any{"terminated": map[string]any{"exitCode": int64(1)}}})
		if err := client.Tracker().Create(PodGVR, pod, ns); err != nil {
			return true, nil, err
		}
		return false, nil, nil // let the tracker store the Job
	})
	logs := &fakeLogs{report: "metasrv ... FAIL\nResult: FAIL\n"}
	cl := &Client{Dynamic: client, Logs: logs, Namespace: ns}
	c, err := cl.GetCluster(context.Background(), ns, "cluster-with-s3")
	if err != nil {
		t.Fatal(err)
	}
	var out, progress bytes.Buffer
	jr := &JobRunner{Client: cl, Image: "ghcr.io/stepstone-dev/stepstone:test", Args: []string{"-o", "human"},
		Timeout: 10 * time.Second, Poll: 10 * time.Millisecond, Progress: &progress, Name: "stepstone-test"}
	code, err := jr.Run(context.Background(), c, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if code != 1 || out.String() != logs.report {
		t.Errorf("exit %d, report %q", code, out.String())
	}
	if len(logs.calls) != 1 || logs.calls[0] != ns+"/stepstone-test-x7k2p/stepstone" {
		t.Errorf("log reads = %v", logs.calls)
	}
	if _, err := client.Resource(JobGVR).Namespace(ns).Get(context.Background(), "stepstone-test", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Job was not deleted: %v", err)
	}
	for _, want := range []string{"created job/stepstone-test", "deleted job/stepstone-test"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
}

// TestJobImagePullFails gives up on an image the cluster cannot pull, and
// still deletes the Job.
func TestJobImagePullFails(t *testing.T) {
	const ns = "greptime"
	client := newFake(exampleObject(t, "gcs", ns))
	client.PrependReactor("create", "jobs", func(a k8stesting.Action) (bool, runtime.Object, error) {
		job := a.(k8stesting.CreateAction).GetObject().(*unstructured.Unstructured)
		pod := podFor(job, "Pending", map[string]any{"name": "stepstone", "state": map[string]any{"waiting": map[string]any{"reason": "ImagePullBackOff"}}})
		return false, nil, client.Tracker().Create(PodGVR, pod, ns)
	})
	cl := &Client{Dynamic: client, Logs: &fakeLogs{}, Namespace: ns}
	c, err := cl.GetCluster(context.Background(), ns, "cluster-with-gcs")
	if err != nil {
		t.Fatal(err)
	}
	jr := &JobRunner{Client: cl, Image: "registry.invalid/stepstone:nope", Timeout: 5 * time.Second, Poll: 10 * time.Millisecond, Name: "stepstone-pull"}
	_, err = jr.Run(context.Background(), c, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "cannot pull image") {
		t.Fatalf("err = %v", err)
	}
	if jobs, _ := client.Resource(JobGVR).Namespace(ns).List(context.Background(), metav1.ListOptions{}); len(jobs.Items) != 0 {
		t.Errorf("%d Jobs left behind", len(jobs.Items))
	}
}

// TestBuildJob mounts the resource, the generated ConfigMaps and the
// Secrets, and runs `cluster -f` on them.
func TestBuildJob(t *testing.T) {
	cs := load(t, filepath.Join(upstreamExamples, "s3", "cluster.yaml"))
	c := cs[0]
	c.Namespace = "greptime"
	job, err := BuildJob(c, JobSpec{Name: "j", Image: "img", Args: []string{"-o", "json"}, ActiveDeadline: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(job.Object)
	for _, want := range []string{
		`"args":["cluster","-f","/etc/stepstone/resource/cluster.json","--configmaps","/etc/stepstone/configmaps","--secrets","/etc/stepstone/secrets","-o","json"]`,
		`"configMap":{"name":"cluster-with-s3-datanode","optional":true}`,
		`"mountPath":"/etc/stepstone/configmaps/cluster-with-s3-meta"`,
		`"secret":{"optional":true,"secretName":"s3-credentials"}`,
		`"fieldPath":"metadata.annotations['stepstone.dev/resource']"`,
		`"backoffLimit":0`, `"activeDeadlineSeconds":180`, `"restartPolicy":"Never"`,
	} {
		if !strings.Contains(string(js), want) {
			t.Errorf("Job lacks %s:\n%s", want, js)
		}
	}
	ann, _, _ := unstructured.NestedString(job.Object, "spec", "template", "metadata", "annotations", ResourceAnnotation)
	m, err := ParseManifests("cluster.json", []byte(ann))
	if err != nil || len(m.Clusters) != 1 || m.Clusters[0].Name != "cluster-with-s3" {
		t.Errorf("the annotation does not carry the resource: %v %s", err, ann)
	}
	if n := jobName(strings.Repeat("x", 80)); len(n) > 63 {
		t.Errorf("job name %q is longer than 63", n)
	}
}

// TestRESTLogs reads the log subresource over HTTP, as from an API server.
func TestRESTLogs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/namespaces/ns/pods/p/log" || r.URL.Query().Get("container") != "stepstone" || r.URL.Query().Get("follow") != "true" {
			http.Error(w, "unexpected "+r.URL.String(), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "Result: PASS\n")
	}))
	defer srv.Close()
	logs, err := NewRESTLogs(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := logs.Stream(context.Background(), "ns", "p", "stepstone", true)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	if string(b) != "Result: PASS\n" {
		t.Errorf("log = %q", b)
	}
}

// TestMountedDirs reads ConfigMaps and Secrets laid out as the kubelet
// mounts them, with ..data links.
func TestMountedDirs(t *testing.T) {
	dir := t.TempDir()
	mount := func(base, name string, files map[string]string) {
		ts := filepath.Join(base, name, "..2026_11_23_06_00_00.1")
		if err := os.MkdirAll(ts, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Base(ts), filepath.Join(base, name, "..data")); err != nil {
			t.Fatal(err)
		}
		for k, v := range files {
			if err := os.WriteFile(filepath.Join(ts, k), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join("..data", k), filepath.Join(base, name, k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	mount(filepath.Join(dir, "secrets"), "s3-credentials", map[string]string{"access-key-id": "id", "secret-access-key": "key"})
	if err := os.MkdirAll(filepath.Join(dir, "secrets", "missing"), 0o755); err != nil {
		t.Fatal(err)
	}
	mount(filepath.Join(dir, "configmaps"), "cluster-with-s3-datanode", map[string]string{"config.toml": "[storage]\ntype = \"S3\"\n"})
	m := &Manifests{Secrets: map[string]*Secret{}}
	if err := ReadSecretDir(filepath.Join(dir, "secrets"), m); err != nil {
		t.Fatal(err)
	}
	if s := m.Secrets["/s3-credentials"]; s == nil || s.State != SecretFound || string(s.Data["secret-access-key"]) != "key" || len(s.Data) != 2 {
		t.Errorf("s3-credentials = %+v", s)
	}
	if s := m.Secrets["/missing"]; s == nil || s.State != SecretNotFound {
		t.Errorf("an empty optional mount is a missing Secret: %+v", s)
	}
	c := load(t, filepath.Join(upstreamExamples, "s3", "cluster.yaml"))[0]
	if err := ReadConfigMapDir(filepath.Join(dir, "configmaps"), c); err != nil {
		t.Fatal(err)
	}
	if cm := c.ConfigMaps["cluster-with-s3-datanode"]; cm == nil || !cm.Found || !strings.Contains(cm.Data, "S3") {
		t.Errorf("datanode ConfigMap = %+v", cm)
	}
	if cm := c.ConfigMaps["cluster-with-s3-meta"]; cm == nil || cm.Found {
		t.Errorf("meta ConfigMap = %+v", cm)
	}
}
