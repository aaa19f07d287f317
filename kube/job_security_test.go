package kube

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestBuildJobRestrictedAndBounded: the Job's pod meets PodSecurity
// "restricted", a long cluster name still makes a valid label value, and
// kubectl's last-applied copy does not travel with the resource.
func TestBuildJobRestrictedAndBounded(t *testing.T) {
	name := "gt-" + strings.Repeat("x", 70)
	c := NewRemoteCluster(map[string]any{
		"apiVersion": Group + "/" + Version, "kind": "GreptimeDBCluster",
		"metadata": map[string]any{"name": name, "namespace": "ns", "annotations": map[string]any{
			lastApplied: strings.Repeat("y", 1000), "keep": "me"}},
		"spec": map[string]any{"datanode": map[string]any{"replicas": int64(1)}},
	})
	job, err := BuildJob(c, JobSpec{Image: "img"})
	if err != nil {
		t.Fatal(err)
	}
	pod, _, _ := unstructured.NestedMap(job.Object, "spec", "template", "spec")
	if v, _, _ := unstructured.NestedBool(pod, "securityContext", "runAsNonRoot"); !v {
		t.Error("pod: no runAsNonRoot")
	}
	if v, _, _ := unstructured.NestedString(pod, "securityContext", "seccompProfile", "type"); v != "RuntimeDefault" {
		t.Errorf("pod seccomp %q", v)
	}
	ctr := pod["containers"].([]any)[0].(map[string]any)
	drop, _, _ := unstructured.NestedSlice(ctr, "securityContext", "capabilities", "drop")
	if len(drop) != 1 || drop[0] != "ALL" {
		t.Errorf("capabilities.drop = %v", drop)
	}
	if v, _, _ := unstructured.NestedBool(ctr, "securityContext", "allowPrivilegeEscalation"); v {
		t.Error("allowPrivilegeEscalation")
	}
	label := job.GetLabels()[ClusterLabel]
	if len(label) > 63 || label == name || !strings.HasPrefix(label, "gt-xxx") {
		t.Errorf("label %q (%d)", label, len(label))
	}
	if labelValue(name) != label || labelValue(name+"z") == label {
		t.Error("labelValue is not a function of the whole name")
	}
	if job.GetAnnotations()[ClusterAnnotation] != name {
		t.Error("the full name is not in the annotation")
	}
	res, _, _ := unstructured.NestedString(job.Object, "spec", "template", "metadata", "annotations", ResourceAnnotation)
	if strings.Contains(res, lastApplied) || !strings.Contains(res, `"keep":"me"`) {
		t.Errorf("resource annotation: %.300s", res)
	}
}
