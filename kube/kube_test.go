package kube

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/run"
)

// update rewrites the golden files in testdata from what the checks report
// now: go test ./kube/ -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// upstreamExamples is where the shared operator examples live, relative to
// this package.
const upstreamExamples = "../../shared/greptime-configs/upstream/greptimedb-operator/examples/cluster"

const upstreamValues = "../../shared/greptime-configs/upstream/helm-charts/charts/greptimedb-cluster/values.yaml"

// requireShared fails (never skips) when the shared fixtures are missing.
func requireShared(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("shared fixture %s is missing (%v): the tests read the operator examples from shared/greptime-configs beside the repository; check out shared/ next to it", path, err)
	}
}

// load parses manifest files, shown under their base names below dir.
func load(t *testing.T, files ...string) []*Cluster {
	t.Helper()
	all := &Manifests{Secrets: map[string]*Secret{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseManifests(displayName(f), data)
		if err != nil {
			t.Fatal(err)
		}
		all.Add(m)
	}
	all.Resolve()
	if len(all.Clusters) == 0 {
		t.Fatalf("no cluster in %v", files)
	}
	return all.Clusters
}

// displayName shows "s3/cluster.yaml" for an example file.
func displayName(path string) string {
	return filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path)
}

// check runs the static checks and returns the report.
func check(t *testing.T, clusters []*Cluster) *report.Report {
	t.Helper()
	res, err := Check(context.Background(), clusters, Options{Run: run.Options{SkipReason: "static only"}})
	if err != nil {
		t.Fatal(err)
	}
	return &report.Report{Components: res.Components, ClusterFindings: res.ClusterFindings, FailOn: report.Error}
}

// render prints a report's findings one a line, then the verdict.
func render(r *report.Report) string {
	var b strings.Builder
	for _, f := range r.AllFindings() {
		fmt.Fprintf(&b, "%s: %s: %s [%s]\n", f.Pos, f.Severity, f.Message, f.Rule)
	}
	fmt.Fprintf(&b, "verdict: %s\n", r.Verdict())
	return b.String()
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./kube/ -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./kube/ -update rewrites it)\n--- want\n%s--- got\n%s", path, want, got)
	}
}

// TestGoldenOperatorExamples checks every shared operator example, alone
// and with the Secret manifests beside it, against testdata/examples.
func TestGoldenOperatorExamples(t *testing.T) {
	requireShared(t, upstreamExamples)
	dirs, err := filepath.Glob(filepath.Join(upstreamExamples, "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples under %s: %v", upstreamExamples, err)
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
			sort.Slice(files, func(i, j int) bool { // cluster.yaml first
				return filepath.Base(files[i]) == "cluster.yaml" || files[i] < files[j] && filepath.Base(files[j]) != "cluster.yaml"
			})
			got := "# " + name + "/cluster.yaml\n" + render(check(t, load(t, files[0])))
			if len(files) > 1 {
				got += "# " + name + "/*.yaml\n" + render(check(t, load(t, files...)))
			}
			compareGolden(t, filepath.Join("testdata", "examples", name+".golden"), got)
		})
	}
}

// TestGoldenManifests checks the hand-written cases in testdata/manifests.
func TestGoldenManifests(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "manifests", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no cases in testdata/manifests")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			got := render(check(t, load(t, f)))
			compareGolden(t, strings.TrimSuffix(f, ".yaml")+".golden", got)
		})
	}
}

// TestExampleVerdicts pins the verdict of each example, so that a golden
// update cannot silently change it.
func TestExampleVerdicts(t *testing.T) {
	requireShared(t, upstreamExamples)
	want := map[string]report.Status{
		"add-custom-config":       report.Fail, // max_background_jobs was removed in v0.10
		"azblob":                  report.Warn,
		"gcs":                     report.Warn,
		"mysql-meta-backend":      report.Warn,
		"oss":                     report.Warn,
		"postgresql-meta-backend": report.Warn,
		"s3":                      report.Warn,
	}
	for name, verdict := range want {
		r := check(t, load(t, filepath.Join(upstreamExamples, name, "cluster.yaml")))
		if got := r.Verdict(); got != verdict {
			t.Errorf("%s: verdict %s, want %s\n%s", name, got, verdict, render(r))
		}
	}
}

// TestConfigBlockPositions maps TOML positions inside `config: |` blocks
// onto the YAML file: block line + TOML line, indentation + TOML column.
func TestConfigBlockPositions(t *testing.T) {
	src := `apiVersion: greptime.io/v1alpha1
kind: GreptimeDBCluster
metadata:
  name: demo
spec:
  meta:
    backendStorage:
      etcd:
        endpoints: ["etcd:2379"]
    config: |  # a comment after the indicator

      [procedure]
      max_retry_times = "twelve"
  datanodeGroups:
    - name: hot
      config: |2
          [storage]
          typo_key = 1
  frontend:
    config: |-
      [http]
      timeout = "10 parsecs"
`
	r := check(t, parse(t, "demo.yaml", src))
	want := map[string]string{
		"type-mismatch":    "demo.yaml:13:25",
		"unknown-key":      "demo.yaml:18:11",
		"invalid-duration": "demo.yaml:22:17",
	}
	got := map[string]string{}
	for _, f := range r.AllFindings() {
		if _, ok := want[f.Rule]; ok {
			got[f.Rule] = f.Pos.String()
		}
	}
	for rule, pos := range want {
		if got[rule] != pos {
			t.Errorf("%s at %q, want %q\n%s", rule, got[rule], pos, render(r))
		}
	}
}

func parse(t *testing.T, name, src string) []*Cluster {
	t.Helper()
	m, err := ParseManifests(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m.Resolve()
	return m.Clusters
}

// TestSyntaxErrorInConfig reports a config that does not parse at its line
// in the YAML file, as the operator's validation would refuse it.
func TestSyntaxErrorInConfig(t *testing.T) {
	src := "apiVersion: greptime.io/v1alpha1\nkind: GreptimeDBCluster\nmetadata:\n  name: x\nspec:\n  meta:\n    backendStorage:\n      etcd:\n        endpoints: [a:2379]\n  datanode:\n    config: |\n      [storage\n      type = \"S3\"\n"
	r := check(t, parse(t, "x.yaml", src))
	// Where the TOML parser puts the error inside the block, moved down
	// by the 11 lines before the block's content.
	alone, _ := configs.Load("datanode.toml", []byte("[storage\ntype = \"S3\"\n"), configs.Datanode)
	if alone.SyntaxError == nil {
		t.Fatal("the config parses")
	}
	want := report.Position{File: "x.yaml", Line: 11 + alone.SyntaxError.Pos.Line, Col: 6 + alone.SyntaxError.Pos.Col}
	found := false
	for _, f := range r.AllFindings() {
		if f.Rule == "toml-syntax" {
			found = true
			if f.Pos != want {
				t.Errorf("toml-syntax at %s, want %s", f.Pos, want)
			}
		}
	}
	if !found {
		t.Errorf("no toml-syntax finding:\n%s", render(r))
	}
}

// TestMergeStrategy follows pkg/dbconfig.Marshal: with the default
// strategy the user's store_addrs wins over the etcd endpoints; with
// OperatorFirst the endpoints win. Either way the clash is reported.
func TestMergeStrategy(t *testing.T) {
	for strategy, want := range map[string]string{
		"":                "user:2379",
		InjectedDataFirst: "user:2379",
		OperatorFirst:     "etcd:2379",
	} {
		t.Run("strategy="+strategy, func(t *testing.T) {
			src := "apiVersion: greptime.io/v1alpha1\nkind: GreptimeDBCluster\nmetadata:\n  name: m\nspec:\n"
			if strategy != "" {
				src += "  configMergeStrategy: " + strategy + "\n"
			}
			src += "  meta:\n    backendStorage:\n      etcd:\n        endpoints: [\"etcd:2379\"]\n    config: |\n      store_addrs = [\"user:2379\"]\n"
			cs := parse(t, "m.yaml", src)
			cfgs, err := cs[0].Configs()
			if err != nil {
				t.Fatal(err)
			}
			v, _ := cfgs[0].File.Get("store_addrs[0]")
			if v != want {
				t.Errorf("store_addrs[0] = %v, want %s", v, want)
			}
			r := check(t, cs)
			line := 11
			if strategy != "" {
				line++
			}
			if !strings.Contains(render(r), fmt.Sprintf("m.yaml:%d:7: warning: store_addrs in spec.meta.config", line)) {
				t.Errorf("no crd-config-overridden at the user's key:\n%s", render(r))
			}
		})
	}
}

// TestHelmValuesUpstream checks the chart's own values.yaml: it has no
// metadata backend, which the chart leaves to the user.
func TestHelmValuesUpstream(t *testing.T) {
	requireShared(t, upstreamValues)
	cs := load(t, upstreamValues)
	if !cs[0].Helm {
		t.Fatal("values.yaml not read as Helm values")
	}
	got := render(check(t, cs))
	want := "greptimedb-cluster/values.yaml:458:3: error: meta.backendStorage is not set: metasrv falls back to etcd at 127.0.0.1:2379, which is not in its pod [crd-one-backend-storage]\nverdict: FAIL\n"
	if got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	// frontend, meta, datanode and flownode are enabled by default.
	var labels []string
	for _, comp := range cs[0].Components() {
		labels = append(labels, comp.Label())
	}
	if strings.Join(labels, ",") != "meta,datanode,frontend,flownode" {
		t.Errorf("components = %v", labels)
	}
}

// TestClusterSecretsNeverPrinted: credentials from Secrets and values end
// up in store_addrs and storage keys; no report may print them, even where
// a password with "#" or "@" defeats URL parsing.
func TestClusterSecretsNeverPrinted(t *testing.T) {
	clusters := load(t, filepath.Join("testdata", "manifests", "resource-mistakes.yaml"), filepath.Join("testdata", "manifests", "helm-values.yaml"))
	res, err := Check(context.Background(), clusters, Options{Run: run.Options{SkipReason: "static only", Values: true}, Prefix: true})
	if err != nil {
		t.Fatal(err)
	}
	r := &report.Report{Components: res.Components, ClusterFindings: res.ClusterFindings}
	var out strings.Builder
	if err := report.WriteText(&out, r, report.TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJSON(&out, r); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"p@ss#word", "p@ss:word", "EXAMPLEsecretVALUE", "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY", "kafka-plain-password"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("the report prints %q", secret)
		}
	}
	if !strings.Contains(out.String(), "store_addrs") {
		t.Error("the verbose report lacks store_addrs")
	}
}
