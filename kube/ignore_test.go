package kube

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/dynamic"

	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/run"
)

// checkLive reads the cluster name in ns through the fake client and
// checks it without live probes.
func checkLive(t *testing.T, client dynamic.Interface, ns, name string) *Result {
	t.Helper()
	c, err := (&Client{Dynamic: client, Namespace: ns}).GetCluster(context.Background(), ns, name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), []*Cluster{c}, Options{Run: run.Options{SkipReason: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// rules lists the rule ids of fs, one a line.
func rules(fs []report.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return strings.Join(out, "\n")
}

// TestResourceSuppressionsManifest: resource-rule findings of a manifest
// given with cluster -f honour # stepstone:ignore comments and
// .stepstone.toml entries, as config findings do.
func TestResourceSuppressionsManifest(t *testing.T) {
	src, err := os.ReadFile("testdata/manifests/resource-mistakes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), "  configMergeStrategy:", "  # stepstone:ignore crd-merge-strategy-reset kept for the record\n  configMergeStrategy:", 1)
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	path := filepath.Join(dir, "deploy", "cluster.yaml")
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte(text), 0o644)
	os.WriteFile(filepath.Join(dir, ".stepstone.toml"), []byte("[[ignore]]\npaths = [\"deploy/*.yaml\"]\nrules = [\"crd-removed-field\"]\nreason = \"the API server drops it\"\n"), 0o644)

	m, err := ParseManifests(path, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	m.Resolve()
	res, err := Check(context.Background(), m.Clusters, Options{Run: run.Options{SkipReason: "static only"}})
	if err != nil {
		t.Fatal(err)
	}
	resource := res.Components[0]
	if resource.Component != ResourceComponent {
		t.Fatalf("first report is %q, want the resource's", resource.Component)
	}
	got := rules(resource.Findings)
	for _, gone := range []string{"crd-merge-strategy-reset", "crd-removed-field"} {
		if strings.Contains(got, gone) {
			t.Errorf("%s is still reported:\n%s", gone, got)
		}
	}
	if !strings.Contains(got, "crd-required-field") {
		t.Errorf("an unsuppressed finding went missing:\n%s", got)
	}
	sup := map[string]string{}
	for _, f := range resource.Suppressed {
		sup[f.Rule] = f.Suppressed.Justification + " @ " + f.Suppressed.Location
	}
	if j := sup["crd-merge-strategy-reset"]; !strings.HasPrefix(j, "kept for the record @ "+path+":8") {
		t.Errorf("inline suppression recorded as %q", j)
	}
	if j := sup["crd-removed-field"]; !strings.Contains(j, "the API server drops it @ ") || !strings.Contains(j, ".stepstone.toml") {
		t.Errorf(".stepstone.toml suppression recorded as %q", j)
	}
	for _, c := range res.Components {
		for _, f := range c.Findings {
			if f.Rule == "suppression-unused" {
				t.Errorf("a suppression counted as unused: %+v", f)
			}
		}
	}
}

// TestResourceSuppressionsAnnotation: a cluster read from the API server
// (the fake dynamic client) honours its stepstone.greptime.io/ignore
// annotation for resource and config findings; a line without a reason is
// a warning on the annotation, in the resource's report.
func TestResourceSuppressionsAnnotation(t *testing.T) {
	const ns = "greptime"
	obj := exampleObject(t, "s3", ns)
	obj.SetAnnotations(map[string]string{IgnoreAnnotation: "crd-credentials-in-configmap the operator's way, accepted\ncrd-secret-unchecked"})
	client := newFake(obj,
		secretObject(ns, "s3-credentials", map[string]string{"access-key-id": "AKIDFROMSECRET", "secret-access-key": "secret-from-secret-0123"}),
		configMapObject(ns, "cluster-with-s3-datanode", s3DatanodeConfigMap),
	)
	resource := checkLive(t, client, ns, "cluster-with-s3").Components[0]
	if strings.Contains(rules(resource.Findings), "crd-credentials-in-configmap") {
		t.Errorf("crd-credentials-in-configmap still reported:\n%s", rules(resource.Findings))
	}
	var accepted bool
	for _, f := range resource.Suppressed {
		if f.Rule == "crd-credentials-in-configmap" {
			accepted = f.Suppressed.Justification == "the operator's way, accepted" &&
				strings.Contains(f.Suppressed.Location, "annotation "+IgnoreAnnotation)
		}
	}
	if !accepted {
		t.Errorf("suppression not recorded from the annotation: %+v", resource.Suppressed)
	}
	var noReason bool
	for _, f := range resource.Findings {
		if f.Rule == "suppression-no-reason" && strings.Contains(f.Pos.File, "metadata.annotations."+IgnoreAnnotation) {
			noReason = true
		}
	}
	if !noReason {
		t.Errorf("no suppression-no-reason on the annotation in the resource report:\n%s", rules(resource.Findings))
	}

	// Without the annotation, the finding is back.
	obj.SetAnnotations(nil)
	res := checkLive(t, newFake(obj, secretObject(ns, "s3-credentials", map[string]string{"access-key-id": "a", "secret-access-key": "b"})), ns, "cluster-with-s3")
	if !strings.Contains(rules(res.Components[0].Findings), "crd-credentials-in-configmap") {
		t.Errorf("without the annotation the finding must be reported:\n%s", rules(res.Components[0].Findings))
	}
}
