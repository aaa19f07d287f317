package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/urfave/cli/v2"
)

const kubeDir = "../../deploy/kubernetes"

// manifest is one YAML document of deploy/kubernetes.
type manifest struct {
	file, kind, name string
	data             []byte
}

func readManifests(t *testing.T) []manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(kubeDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", kubeDir, err)
	}
	var out []manifest
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(data, []byte("\n---\n")) {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name      string `json:"name"`
					Namespace string `json:"namespace"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal(doc, &head); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if head.Kind == "" || head.APIVersion == "" {
				t.Errorf("%s: a document without apiVersion and kind", f)
				continue
			}
			if head.Metadata.Namespace != "" {
				t.Errorf("%s: %s/%s names a namespace; leave it to kubectl -n or kustomize", f, head.Kind, head.Metadata.Name)
			}
			out = append(out, manifest{file: filepath.Base(f), kind: head.Kind, name: head.Metadata.Name, data: doc})
		}
	}
	return out
}

// strict decodes a manifest into its typed API struct, refusing fields
// the API does not have: the schema check that needs no API server.
func strict(t *testing.T, m manifest, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(m.data, into); err != nil {
		t.Fatalf("%s: %s %s: %v", m.file, m.kind, m.name, err)
	}
}

// TestKubernetesManifests checks deploy/kubernetes offline: every
// document decodes strictly into its API type, the kustomization lists
// every file, the selectors and ports line up, the RBAC grants exactly
// what the plugin reads, and the containers' arguments are flags the
// commands have.
func TestKubernetesManifests(t *testing.T) {
	ms := readManifests(t)
	byKind := map[string][]manifest{}
	for _, m := range ms {
		byKind[m.kind] = append(byKind[m.kind], m)
	}

	var kz struct {
		Resources []string `json:"resources"`
	}
	for _, m := range byKind["Kustomization"] {
		if err := yaml.Unmarshal(m.data, &kz); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for _, m := range ms {
		if m.kind != "Kustomization" && !slices.Contains(want, m.file) {
			want = append(want, m.file)
		}
	}
	sort.Strings(want)
	got := append([]string(nil), kz.Resources...)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization.yaml lists %v, the directory has %v", got, want)
	}

	var dep appsv1.Deployment
	var svc corev1.Service
	var cron batchv1.CronJob
	var role rbacv1.Role
	var binding rbacv1.RoleBinding
	var sa corev1.ServiceAccount
	for kind, into := range map[string]any{"Deployment": &dep, "Service": &svc, "CronJob": &cron,
		"Role": &role, "RoleBinding": &binding, "ServiceAccount": &sa} {
		if len(byKind[kind]) != 1 {
			t.Fatalf("want one %s, have %d", kind, len(byKind[kind]))
		}
		strict(t, byKind[kind][0], into)
	}

	// Deployment: selector matches the pod, probes and Service use the
	// named port, volumes exist.
	pod := dep.Spec.Template
	for k, v := range dep.Spec.Selector.MatchLabels {
		if pod.Labels[k] != v {
			t.Errorf("deployment: selector %s=%s does not match the pod template", k, v)
		}
	}
	for k, v := range svc.Spec.Selector {
		if pod.Labels[k] != v {
			t.Errorf("service: selector %s=%s selects no pod of the deployment", k, v)
		}
	}
	c := pod.Spec.Containers[0]
	ports := map[string]bool{}
	for _, p := range c.Ports {
		ports[p.Name] = true
	}
	for _, p := range svc.Spec.Ports {
		if !ports[p.TargetPort.String()] {
			t.Errorf("service: targetPort %s is not a container port", p.TargetPort.String())
		}
	}
	for _, pr := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
		if pr == nil || pr.HTTPGet == nil || pr.HTTPGet.Path != "/healthz" || !ports[pr.HTTPGet.Port.String()] {
			t.Errorf("deployment: probes must GET /healthz on a named container port")
		}
	}
	checkVolumes(t, "deployment", pod.Spec)
	checkVolumes(t, "cronjob", cron.Spec.JobTemplate.Spec.Template.Spec)
	checkArgs(t, "deployment", c.Args, serveFlags())
	checkArgs(t, "cronjob", cron.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Args, clusterFlags())
	if c.Args[0] != "serve" || cron.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Args[0] != "cluster" {
		t.Errorf("the deployment runs serve and the cronjob cluster; args start %q and %q", c.Args[0], cron.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Args[0])
	}

	// ServiceMonitor (a CRD, so no typed struct): selects the Service and
	// scrapes its named port.
	var smon struct {
		Spec struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			Endpoints []struct {
				Port string `json:"port"`
				Path string `json:"path"`
			} `json:"endpoints"`
		} `json:"spec"`
	}
	if len(byKind["ServiceMonitor"]) != 1 {
		t.Fatal("want one ServiceMonitor")
	}
	if err := yaml.Unmarshal(byKind["ServiceMonitor"][0].data, &smon); err != nil {
		t.Fatal(err)
	}
	for k, v := range smon.Spec.Selector.MatchLabels {
		if svc.Labels[k] != v {
			t.Errorf("servicemonitor: selector %s=%s does not match the service", k, v)
		}
	}
	svcPorts := map[string]bool{}
	for _, p := range svc.Spec.Ports {
		svcPorts[p.Name] = true
	}
	for _, e := range smon.Spec.Endpoints {
		if !svcPorts[e.Port] || e.Path != "/metrics" {
			t.Errorf("servicemonitor: endpoint %s%s is not the service's metrics port", e.Port, e.Path)
		}
	}

	// RBAC: get and list of exactly what the plugin reads, bound to the
	// service account both run as.
	grants := map[string]bool{}
	for _, r := range role.Rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					grants[g+"/"+res+":"+v] = true
				}
			}
		}
	}
	var wantGrants []string
	for _, res := range []string{"greptime.io/greptimedbclusters", "/configmaps", "/secrets"} {
		for _, v := range []string{"get", "list"} {
			wantGrants = append(wantGrants, res+":"+v)
		}
	}
	var gotGrants []string
	for g := range grants {
		gotGrants = append(gotGrants, g)
	}
	sort.Strings(gotGrants)
	sort.Strings(wantGrants)
	if !slices.Equal(gotGrants, wantGrants) {
		t.Errorf("role grants %v, want exactly %v", gotGrants, wantGrants)
	}
	if binding.RoleRef.Name != role.Name || binding.RoleRef.Kind != "Role" || len(binding.Subjects) != 1 ||
		binding.Subjects[0].Name != sa.Name || binding.Subjects[0].Kind != "ServiceAccount" {
		t.Errorf("the rolebinding does not bind role %s to service account %s: %+v", role.Name, sa.Name, binding)
	}
	for what, spec := range map[string]corev1.PodSpec{"cronjob": cron.Spec.JobTemplate.Spec.Template.Spec, "deployment": pod.Spec} {
		if spec.ServiceAccountName != sa.Name || spec.AutomountServiceAccountToken == nil || !*spec.AutomountServiceAccountToken {
			t.Errorf("the %s does not run as %s with its token", what, sa.Name)
		}
	}
}

// checkVolumes: every mount names a volume of the pod.
func checkVolumes(t *testing.T, what string, spec corev1.PodSpec) {
	t.Helper()
	vols := map[string]bool{}
	for _, v := range spec.Volumes {
		vols[v.Name] = true
	}
	for _, c := range spec.Containers {
		for _, m := range c.VolumeMounts {
			if !vols[m.Name] {
				t.Errorf("%s: mount %s names no volume", what, m.Name)
			}
		}
		if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
			t.Errorf("%s: the container should have a read-only root filesystem", what)
		}
	}
}

// checkArgs: every --flag in a container's args is a flag of the command.
func checkArgs(t *testing.T, what string, args []string, flags []cli.Flag) {
	t.Helper()
	names := map[string]bool{}
	for _, f := range flags {
		for _, n := range f.Names() {
			names[n] = true
		}
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !names[name] {
			t.Errorf("%s: %s is not a flag of the command", what, a)
		}
	}
}
