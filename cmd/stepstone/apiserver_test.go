//go:build apiserver

// Tests of the kubectl plugin against a real kube-apiserver (with etcd, RBAC,
// static tokens and greptimedb-operator's CRD): scripts/kube-apiserver.sh
// test starts one, runs these and stops it; scripts/test.sh does that where
// the API server can be built. They read the admin kubeconfig from
// STEPSTONE_TEST_KUBECONFIG and fail, saying how to start the server, without it.
// There is no controller-manager or kubelet: Jobs are stored and admitted,
// but never get a pod.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/stepstone-dev/stepstone/kube"
)

var (
	nsGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	saGVR = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
)

func apiserverKubeconfig(t *testing.T) string {
	t.Helper()
	// Not STEPSTONE_KUBECONFIG: that is --kubeconfig's own variable, and
	// the CLI under test would read it instead of each case's kubeconfig.
	kc := os.Getenv("STEPSTONE_TEST_KUBECONFIG")
	if kc == "" {
		t.Fatal("STEPSTONE_TEST_KUBECONFIG is not set: these tests need a real kube-apiserver. " +
			"Run scripts/kube-apiserver.sh test (builds it once into ~/.cache, about 25 CPU-minutes), " +
			"or `scripts/kube-apiserver.sh start` and STEPSTONE_TEST_KUBECONFIG=<the path it prints> go test -tags apiserver ./cmd/stepstone/")
	}
	return kc
}

func adminClient(t *testing.T, kc string) *kube.Client {
	t.Helper()
	cl, err := kube.NewClient(kube.ClientOptions{Kubeconfig: kc})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func randomSuffix() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func create(t *testing.T, cl *kube.Client, gvr schema.GroupVersionResource, obj map[string]any) {
	t.Helper()
	u := &unstructured.Unstructured{Object: obj}
	_, err := cl.Dynamic.Resource(gvr).Namespace(u.GetNamespace()).Create(context.Background(), u, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create %s %s/%s: %v", gvr.Resource, u.GetNamespace(), u.GetName(), err)
	}
}

func testCluster(ns, name string) map[string]any {
	return map[string]any{
		"apiVersion": "greptime.io/v1alpha1", "kind": "GreptimeDBCluster",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"base":     map[string]any{"main": map[string]any{"image": "greptime/greptimedb:v0.14.0"}},
			"frontend": map[string]any{"replicas": int64(1)},
			"meta": map[string]any{"replicas": int64(1), "backendStorage": map[string]any{
				"etcd": map[string]any{"endpoints": []any{"etcd.etcd.svc.cluster.local:2379"}}}},
			"datanode": map[string]any{"replicas": int64(1)},
			"objectStorage": map[string]any{"s3": map[string]any{
				"bucket": "greptime", "region": "us-east-1", "root": name, "secretName": "s3-credentials"}},
		},
	}
}

// seed makes namespace ns with n clusters sharing one Secret, and the
// ConfigMaps the operator would generate for each.
func seed(t *testing.T, cl *kube.Client, ns string, n int, labels map[string]any) []string {
	t.Helper()
	create(t, cl, nsGVR, map[string]any{"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": ns, "labels": labels}})
	// The ServiceAccount controller of kube-controller-manager makes
	// "default" in every namespace; none runs here, and admission refuses
	// a pod whose ServiceAccount does not exist.
	create(t, cl, saGVR, map[string]any{"apiVersion": "v1", "kind": "ServiceAccount",
		"metadata": map[string]any{"name": "default", "namespace": ns}})
	create(t, cl, kube.SecretGVR, map[string]any{"apiVersion": "v1", "kind": "Secret",
		"metadata":   map[string]any{"name": "s3-credentials", "namespace": ns},
		"stringData": map[string]any{"access-key-id": "AKIAEXAMPLE", "secret-access-key": "not-a-real-secret-key"}})
	// No controller-manager runs here, so a namespace is never emptied on
	// delete: the test removes its clusters itself, else the next run's
	// clusters -A would meet them.
	t.Cleanup(func() { deleteClusters(t, cl, ns) })
	var names []string
	for i := range n {
		name := fmt.Sprintf("gt-%02d", i)
		obj := testCluster(ns, name)
		create(t, cl, kube.ClusterGVR, obj)
		for _, comp := range kube.NewRemoteCluster(obj).Components() {
			create(t, cl, kube.ConfigMapGVR, map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": comp.ConfigMapName(name), "namespace": ns},
				"data":     map[string]any{"config.toml": "[logging]\ndir = \"/data/logs\"\n"}})
		}
		names = append(names, name)
	}
	return names
}

// deleteClusters deletes every GreptimeDBCluster in ns.
func deleteClusters(t *testing.T, cl *kube.Client, ns string) {
	t.Helper()
	err := cl.Dynamic.Resource(kube.ClusterGVR).Namespace(ns).DeleteCollection(context.Background(), metav1.DeleteOptions{}, metav1.ListOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("delete the clusters of namespace %s: %v", ns, err)
	}
}

// sweepEarlierRuns deletes the clusters an earlier, killed run of these
// tests left in its st-* namespaces.
func sweepEarlierRuns(t *testing.T, cl *kube.Client) {
	t.Helper()
	list, err := cl.Dynamic.Resource(nsGVR).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list namespaces: %v", err)
	}
	for _, ns := range list.Items {
		if strings.HasPrefix(ns.GetName(), "st-") {
			deleteClusters(t, cl, ns.GetName())
		}
	}
}

func kubectl(t *testing.T, kc string, args ...string) (string, time.Duration) {
	t.Helper()
	cmd := exec.Command("kubectl", args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kc)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), time.Since(start)
}

func TestAPIServer(t *testing.T) {
	kc := apiserverKubeconfig(t)
	admin := adminClient(t, kc)
	sweepEarlierRuns(t, admin)
	run := randomSuffix()
	env := []string{"KUBECONFIG=" + kc, "HOME=" + t.TempDir()}

	// 60 clusters in 6 namespaces, each namespace with one shared Secret.
	var namespaces []string
	for i := range 6 {
		ns := fmt.Sprintf("st-%s-%d", run, i)
		seed(t, admin, ns, 10, nil)
		namespaces = append(namespaces, ns)
	}

	t.Run("deploy manifests apply server-side", func(t *testing.T) {
		out, _ := kubectl(t, kc, "apply", "--server-side", "-f", filepath.Join("..", "..", "deploy", "rbac.yaml"))
		for _, want := range []string{"stepstone-reader", "stepstone-secrets", "stepstone-in-cluster"} {
			if !strings.Contains(out, want) {
				t.Errorf("apply did not name %s:\n%s", want, out)
			}
		}
	})

	t.Run("deploy/kubernetes applies server-side", func(t *testing.T) {
		// The scheduled check's manifests, validated and admitted by the
		// API server (a dry run: nothing would run them here). The
		// ServiceMonitor needs prometheus-operator's CRD, which no
		// registry reachable here ships; deploy_test.go checks its selector
		// and port against the Service instead.
		ns := namespaces[0]
		dir := filepath.Join("..", "..", "deploy", "kubernetes")
		for _, f := range []string{"rbac.yaml", "deployment.yaml", "service.yaml", "cronjob.yaml"} {
			out, _ := kubectl(t, kc, "apply", "--server-side", "--dry-run=server", "-n", ns, "-f", filepath.Join(dir, f))
			if !strings.Contains(out, "(server dry run)") {
				t.Errorf("%s was not applied as a server dry run:\n%s", f, out)
			}
		}
	})

	t.Run("clusters -A", func(t *testing.T) {
		_, kubectlTime := kubectl(t, kc, "get", "greptimedbclusters", "-A")
		start := time.Now()
		res := runCLI(t, "", env, "kubectl-stepstone", "clusters", "-A", "--static-only", "-o", "json", "-v=6")
		took := time.Since(start)
		if res.code != exitOK && res.code != exitFindings {
			t.Fatalf("exit %d\n%s", res.code, res.stderr)
		}
		var gets, secretGets, requests int
		for _, line := range strings.Split(res.stderr, "\n") {
			if strings.HasPrefix(line, "GET https://") {
				requests++
				gets++
				if strings.Contains(line, "/secrets/") {
					secretGets++
				}
			}
		}
		for _, ns := range namespaces {
			if strings.Count(res.stdout, `"`+ns+`/gt-`) == 0 && !strings.Contains(res.stdout, ns) {
				t.Errorf("namespace %s is not in the report", ns)
			}
		}
		// One read of each shared Secret per namespace, not one per cluster.
		if secretGets != len(namespaces) {
			t.Errorf("%d Secret reads for %d namespaces sharing one Secret each", secretGets, len(namespaces))
		}
		t.Logf("clusters -A over 60 clusters: %s, %d requests; kubectl get gtc -A: %s (ratio %.1f)",
			took.Round(time.Millisecond), requests, kubectlTime.Round(time.Millisecond), float64(took)/float64(kubectlTime))
	})

	t.Run("cluster NAME reads ConfigMaps and Secrets", func(t *testing.T) {
		res := runCLI(t, "", env, "kubectl-stepstone", "cluster", "gt-00", "-n", namespaces[0], "--static-only")
		if res.code != exitOK && res.code != exitFindings {
			t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
		}
		if strings.Contains(res.stdout+res.stderr, "not allowed") || strings.Contains(res.stdout+res.stderr, "not found: the operator") {
			t.Errorf("the admin could not read something:\n%s", res.stdout)
		}
		if strings.Contains(res.stdout+res.stderr, "not-a-real-secret-key") {
			t.Error("a Secret's value reached the output")
		}
	})

	t.Run("--as a user whose RBAC forbids Secrets", func(t *testing.T) {
		user := "stepstone-limited-" + run
		create(t, admin, schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
			map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
				"metadata": map[string]any{"name": "stepstone-reader", "namespace": namespaces[1]},
				"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "stepstone-reader"},
				"subjects": []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}}})
		var res result
		// RBAC takes effect within moments of the binding being stored.
		for range 20 {
			res = runCLI(t, "", env, "kubectl-stepstone", "cluster", "gt-01", "-n", namespaces[1], "--as", user, "--static-only")
			if res.code != exitUsage && res.code != exitInternal {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		if res.code != exitOK && res.code != exitFindings {
			t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
		}
		if !strings.Contains(res.stdout, "Secret s3-credentials") || !strings.Contains(res.stdout, "not allowed to read it") {
			t.Errorf("the report does not say the Secret may not be read:\n%s", res.stdout)
		}
	})

	t.Run("missing cluster", func(t *testing.T) {
		res := runCLI(t, "", env, "kubectl-stepstone", "cluster", "nope", "-n", namespaces[0])
		if res.code != exitUsage || strings.Count(res.stderr, "not found") != 1 {
			t.Errorf("exit %d, want 2 and \"not found\" once:\n%s", res.code, res.stderr)
		}
	})

	t.Run("wrong context", func(t *testing.T) {
		res := runCLI(t, "", env, "kubectl-stepstone", "clusters", "--context", "nope")
		if res.code != exitUsage || !strings.Contains(res.stderr, "nope") {
			t.Errorf("exit %d, want 2 naming the context:\n%s", res.code, res.stderr)
		}
	})

	t.Run("dead API server", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		dead := kubeconfigWithServer(t, kc, "https://"+addr)
		res := runCLI(t, "", []string{"KUBECONFIG=" + dead, "HOME=" + t.TempDir()}, "kubectl-stepstone", "clusters", "-A")
		if res.code != exitUsage || !strings.Contains(res.stderr, "unreachable") {
			t.Errorf("exit %d, want 2 saying the API server is unreachable:\n%s\n%s", res.code, res.stderr, res.stdout)
		}
	})

	t.Run("--request-timeout against a server that never answers", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close() // accepted, never answered
			}
		}()
		hung := kubeconfigWithServer(t, kc, "https://"+l.Addr().String())
		done := make(chan result, 1)
		go func() {
			done <- runCLI(t, "", []string{"KUBECONFIG=" + hung, "HOME=" + t.TempDir()}, "kubectl-stepstone", "clusters", "-A", "--request-timeout=2s")
		}()
		select {
		case res := <-done:
			if res.code != exitUsage {
				t.Errorf("exit %d, want 2:\n%s\n%s", res.code, res.stderr, res.stdout)
			}
		case <-time.After(2 * time.Minute):
			t.Fatal("--request-timeout=2s did not end the run against a server that never answers")
		}
	})

	t.Run("Job pod admitted under PodSecurity restricted", func(t *testing.T) {
		ns := "st-" + run + "-restricted"
		seed(t, admin, ns, 1, map[string]any{"pod-security.kubernetes.io/enforce": "restricted"})
		obj := testCluster(ns, "gt-00")
		job, err := kube.BuildJob(kube.NewRemoteCluster(obj), kube.JobSpec{Name: "stepstone-check", Image: "ghcr.io/stepstone-dev/stepstone:test"})
		if err != nil {
			t.Fatal(err)
		}
		tmpl, _, _ := unstructured.NestedMap(job.Object, "spec", "template")
		pod := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": tmpl["metadata"], "spec": tmpl["spec"]}}
		pod.SetName("stepstone-check")
		pod.SetNamespace(ns)
		if _, err := admin.Dynamic.Resource(kube.PodGVR).Namespace(ns).Create(context.Background(), pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			t.Errorf("the Job's pod is refused in a restricted namespace: %v", err)
		}
	})

	t.Run("Job for a long name and an oversized resource", func(t *testing.T) {
		ns := namespaces[2]
		name := "gt-" + strings.Repeat("x", 70)
		obj := testCluster(ns, name)
		big := "# " + strings.Repeat("padding ", 15000) + "\n" // about 120 KiB of config
		obj["spec"].(map[string]any)["datanode"].(map[string]any)["config"] = big
		obj["metadata"].(map[string]any)["annotations"] = map[string]any{
			"kubectl.kubernetes.io/last-applied-configuration": strings.Repeat("y", 125*1024)}
		create(t, admin, kube.ClusterGVR, obj)
		u, err := admin.Dynamic.Resource(kube.ClusterGVR).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		job, err := kube.BuildJob(kube.NewRemoteCluster(u.Object), kube.JobSpec{Image: "ghcr.io/stepstone-dev/stepstone:test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Dynamic.Resource(kube.JobGVR).Namespace(ns).Create(context.Background(), job, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			t.Errorf("the Job is refused: %v", err)
		}
	})

	t.Run("--in-cluster fails early on the Job's FailedCreate event and deletes the Job", func(t *testing.T) {
		ns := namespaces[3]
		jobName := "stepstone-early-" + run
		c, err := admin.GetCluster(context.Background(), ns, "gt-00")
		if err != nil {
			t.Fatal(err)
		}
		// The Job controller is absent here; this event is what it would
		// record when admission refuses the pod.
		go func() {
			for range 100 {
				if _, err := admin.Dynamic.Resource(kube.JobGVR).Namespace(ns).Get(context.Background(), jobName, metav1.GetOptions{}); err == nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			create(t, admin, kube.EventGVR, map[string]any{"apiVersion": "v1", "kind": "Event",
				"metadata":       map[string]any{"name": jobName + ".failedcreate", "namespace": ns},
				"involvedObject": map[string]any{"apiVersion": "batch/v1", "kind": "Job", "name": jobName, "namespace": ns},
				"reason":         "FailedCreate", "type": "Warning",
				"message": `Error creating: pods "x" is forbidden: violates PodSecurity "restricted:latest"`})
		}()
		var progress strings.Builder
		jr := &kube.JobRunner{Client: admin, Image: "ghcr.io/stepstone-dev/stepstone:test", Name: jobName,
			Timeout: time.Minute, Poll: 200 * time.Millisecond, Progress: &progress}
		_, err = jr.Run(context.Background(), c, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), "violates PodSecurity") {
			t.Errorf("got %v, want the FailedCreate reason", err)
		}
		if _, err := admin.Dynamic.Resource(kube.JobGVR).Namespace(ns).Get(context.Background(), jobName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("the Job is still there (%v)\n%s", err, progress.String())
		}
	})

	t.Run("pod log errors are decoded", func(t *testing.T) {
		_, err := admin.Logs.Stream(context.Background(), namespaces[0], "no-such-pod", "stepstone", false)
		if err == nil || !strings.Contains(err.Error(), `"no-such-pod" not found`) {
			t.Errorf("got %v, want the API server's pods \"no-such-pod\" not found", err)
		}
		var st interface{ Status() metav1.Status }
		if !errors.As(err, &st) {
			t.Errorf("%T is not a Status error", err)
		}
	})
}

// kubeconfigWithServer copies kc's credentials with another server address.
func kubeconfigWithServer(t *testing.T, kc, server string) string {
	t.Helper()
	data, err := os.ReadFile(kc)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "server: ") {
			line = line[:strings.Index(line, "server: ")] + "server: " + server
		}
		out = append(out, line)
	}
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
