package kube

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The --in-cluster run: a batch/v1 Job in the cluster's namespace runs the
// same stepstone image as the GitHub Action, so the live checks go from
// where the components run (cluster DNS, network policies, the datanode's
// workload identity). The Job gets the resource through its own pod
// annotation (a downward API volume), the generated ConfigMaps and the
// referenced Secrets as optional volumes, and needs no RBAC of its own.
// The Job is built and watched as unstructured objects, like everything
// else stepstone reads, and deleted when its report has been streamed.

// Paths inside the Job's container.
const (
	jobResourceDir   = "/etc/stepstone/resource"
	jobResourceFile  = jobResourceDir + "/cluster.json"
	jobConfigMapDir  = "/etc/stepstone/configmaps"
	jobSecretDir     = "/etc/stepstone/secrets"
	jobContainerName = "stepstone"
	// ClusterAnnotation carries the cluster's full name, which a label
	// value (at most 63 characters) may not hold.
	ClusterAnnotation = "stepstone.dev/cluster-name"
	// JobUID is the uid and gid the Job's pod runs as: distroless's
	// nonroot user.
	JobUID = 65532
	// ResourceAnnotation carries the resource's JSON into the pod.
	ResourceAnnotation = "stepstone.dev/resource"
	// ClusterLabel names the checked cluster on the Job and its pod.
	ClusterLabel = "stepstone.dev/cluster"
)

// JobSpec says what the Job runs.
type JobSpec struct {
	// Name is the Job's name; empty means stepstone-<cluster>-<random>.
	Name  string
	Image string
	// Args follow `cluster -f ... --configmaps ... --secrets ...`: the
	// report format and the live-check flags.
	Args []string
	// ActiveDeadline bounds the Job's run time on the cluster's side.
	ActiveDeadline time.Duration
}

// jobName is a DNS label: at most 63 characters, the random suffix kept.
func jobName(cluster string) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	suffix := "-" + hex.EncodeToString(b[:])
	base := "stepstone-" + cluster
	if len(base)+len(suffix) > 63 {
		base = strings.TrimRight(base[:63-len(suffix)], "-.")
	}
	return base + suffix
}

// BuildJob builds the Job that checks c from inside its namespace.
func BuildJob(c *Cluster, spec JobSpec) (*unstructured.Unstructured, error) {
	name := spec.Name
	if name == "" {
		name = jobName(c.Name)
	}
	resource, err := json.Marshal(pruneObject(c.Object))
	if err != nil {
		return nil, fmt.Errorf("could not encode the resource for the Job: %w", err)
	}
	labels := map[string]any{
		"app.kubernetes.io/name":       "stepstone",
		"app.kubernetes.io/managed-by": "stepstone",
		ClusterLabel:                   labelValue(c.Name),
	}
	args := []any{"cluster", "-f", jobResourceFile, "--configmaps", jobConfigMapDir, "--secrets", jobSecretDir}
	for _, a := range spec.Args {
		args = append(args, a)
	}
	mounts := []any{map[string]any{"name": "resource", "mountPath": jobResourceDir, "readOnly": true}}
	volumes := []any{map[string]any{
		"name": "resource",
		"downwardAPI": map[string]any{"items": []any{map[string]any{
			"path":     "cluster.json",
			"fieldRef": map[string]any{"fieldPath": "metadata.annotations['" + ResourceAnnotation + "']"},
		}}},
	}}
	for i, comp := range c.Components() {
		cm := comp.ConfigMapName(c.Name)
		vol := fmt.Sprintf("configmap-%d", i)
		volumes = append(volumes, map[string]any{"name": vol, "configMap": map[string]any{"name": cm, "optional": true}})
		mounts = append(mounts, map[string]any{"name": vol, "mountPath": jobConfigMapDir + "/" + cm, "readOnly": true})
	}
	for i, s := range c.SecretNames() {
		vol := fmt.Sprintf("secret-%d", i)
		volumes = append(volumes, map[string]any{"name": vol, "secret": map[string]any{"secretName": s, "optional": true}})
		mounts = append(mounts, map[string]any{"name": vol, "mountPath": jobSecretDir + "/" + s, "readOnly": true})
	}
	podSpec := map[string]any{
		"restartPolicy": "Never",
		"containers": []any{map[string]any{
			"name":         jobContainerName,
			"image":        spec.Image,
			"args":         args,
			"volumeMounts": mounts,
			"resources": map[string]any{
				"requests": map[string]any{"cpu": "50m", "memory": "64Mi"},
				"limits":   map[string]any{"memory": "256Mi"},
			},
			// PodSecurity "restricted": the image runs as root only for
			// GitHub Actions; here it runs as distroless's nonroot uid.
			"securityContext": map[string]any{
				"allowPrivilegeEscalation": false,
				"capabilities":             map[string]any{"drop": []any{"ALL"}},
				"runAsNonRoot":             true,
			},
		}},
		"securityContext": map[string]any{
			"runAsNonRoot":   true,
			"runAsUser":      int64(JobUID),
			"runAsGroup":     int64(JobUID),
			"seccompProfile": map[string]any{"type": "RuntimeDefault"},
		},
		"volumes": volumes,
	}
	// The datanode's ServiceAccount carries its workload identity (IRSA,
	// GKE Workload Identity), which object storage without secretName
	// needs.
	for _, p := range []string{"spec.datanode.template.serviceAccountName", "spec.base.serviceAccountName"} {
		if sa := c.str(p); sa != "" {
			podSpec["serviceAccountName"] = sa
			break
		}
	}
	job := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "batch/v1",
		"kind":       "Job",
		"metadata": map[string]any{
			"name":        name,
			"namespace":   c.Namespace,
			"labels":      labels,
			"annotations": map[string]any{ClusterAnnotation: c.Name},
		},
		"spec": map[string]any{
			"backoffLimit": int64(0),
			// A safety net should the cleanup below not run (stepstone
			// killed): the Job controller deletes it 10 minutes after.
			"ttlSecondsAfterFinished": int64(600),
			"activeDeadlineSeconds":   int64(max(spec.ActiveDeadline, time.Minute) / time.Second),
			"template": map[string]any{
				"metadata": map[string]any{
					"labels":      labels,
					"annotations": map[string]any{ResourceAnnotation: string(resource)},
				},
				"spec": podSpec,
			},
		},
	}}
	return job, nil
}

// JobRunner creates the Job, waits for it, streams its report and deletes
// it.
type JobRunner struct {
	Client *Client
	Image  string
	Args   []string
	// Timeout bounds the whole run, pulling the image included.
	Timeout time.Duration
	// Progress gets one line per step; nil discards them.
	Progress io.Writer
	// Poll is how often the Job and its pod are read; 0 means 1s.
	Poll time.Duration
	// Name fixes the Job's name (tests).
	Name string
}

func (jr *JobRunner) progress(format string, args ...any) {
	if jr.Progress != nil {
		fmt.Fprintf(jr.Progress, format+"\n", args...)
	}
}

// Run checks c from a Job and copies its report to out. It returns the
// exit code of stepstone inside the Job. The Job is deleted however Run
// ends, Ctrl-C included.
func (jr *JobRunner) Run(ctx context.Context, c *Cluster, out io.Writer) (int, error) {
	timeout := jr.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	job, err := BuildJob(c, JobSpec{Name: jr.Name, Image: jr.Image, Args: jr.Args, ActiveDeadline: timeout})
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	jobs := jr.Client.Dynamic.Resource(JobGVR).Namespace(c.Namespace)
	created, err := jobs.Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		if apierrors.IsForbidden(err) {
			return 0, fmt.Errorf("not allowed to create a Job in namespace %q, which --in-cluster needs: %w", c.Namespace, err)
		}
		return 0, fmt.Errorf("could not create the Job: %w", err)
	}
	name := created.GetName()
	jr.progress("created job/%s in namespace %s (image %s)", name, c.Namespace, jr.Image)
	defer jr.cleanup(ctx, c.Namespace, name)

	pod, phase, err := jr.waitForPod(ctx, c.Namespace, name)
	if err != nil {
		return 0, err
	}
	jr.progress("pod/%s is %s; streaming its report", pod, strings.ToLower(phase))
	if err := jr.stream(ctx, c.Namespace, pod, out); err != nil {
		return 0, err
	}
	return jr.exitCode(ctx, c.Namespace, name, pod)
}

// cleanup deletes the Job and its pod, even after Ctrl-C.
func (jr *JobRunner) cleanup(ctx context.Context, ns, name string) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	policy := metav1.DeletePropagationBackground
	err := jr.Client.Dynamic.Resource(JobGVR).Namespace(ns).Delete(dctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
	switch {
	case err == nil:
		jr.progress("deleted job/%s", name)
	case apierrors.IsNotFound(err):
	default:
		jr.progress("could not delete job/%s: %v (its ttlSecondsAfterFinished removes it within 10 minutes)", name, err)
	}
}

func (jr *JobRunner) poll() time.Duration {
	if jr.Poll > 0 {
		return jr.Poll
	}
	return time.Second
}

// podSelector finds the Job's pods by the label the Job controller sets.
func podSelector(job string) string { return "job-name=" + job }

// waitForPod waits until the Job's pod runs or has finished, and fails
// early on what will not get better: a Job that failed without a pod, a pod
// the API server refuses to create (PodSecurity, quota: the Job's
// FailedCreate events), a suspended Job, an image that cannot be pulled.
// It says every 10s that it still waits.
func (jr *JobRunner) waitForPod(ctx context.Context, ns, job string) (pod, phase string, err error) {
	pods := jr.Client.Dynamic.Resource(PodGVR).Namespace(ns)
	tick := time.NewTicker(jr.poll())
	defer tick.Stop()
	start := time.Now()
	last, lastSaid := "", start
	for {
		list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: podSelector(job)})
		if err != nil && ctx.Err() == nil {
			return "", "", fmt.Errorf("could not list the Job's pods: %w", err)
		}
		if list != nil {
			for _, p := range list.Items {
				phase := getString(p.Object, "status.phase")
				switch phase {
				case "Running", "Succeeded", "Failed":
					return p.GetName(), phase, nil
				}
				if reason := waitingReason(p.Object); reason != "" && reason != last {
					last = reason
					jr.progress("pod/%s is waiting: %s", p.GetName(), reason)
					if reason == "ErrImagePull" || reason == "ImagePullBackOff" || reason == "InvalidImageName" {
						return "", "", fmt.Errorf("the Job's pod cannot pull image %q (%s): pass --image with an image the cluster can pull", jr.Image, reason)
					}
				}
			}
		}
		noPod := list == nil || len(list.Items) == 0
		j, err := jr.Client.Dynamic.Resource(JobGVR).Namespace(ns).Get(ctx, job, metav1.GetOptions{})
		if err == nil && noPod {
			if getInt(j.Object, "status.failed", 0) > 0 {
				return "", "", fmt.Errorf("job/%s failed before its pod started: %s", job, jobCondition(j.Object))
			}
			if b, _ := get(j.Object, "spec.suspend"); b == true {
				return "", "", fmt.Errorf("job/%s is suspended (spec.suspend), so it gets no pod: does an admission webhook or queue (Kueue) hold it?", job)
			}
		}
		if noPod && time.Since(start) >= 3*time.Second {
			if why := jr.createFailure(ctx, ns, job); why != "" {
				return "", "", fmt.Errorf("job/%s cannot create its pod: %s", job, why)
			}
		}
		if time.Since(lastSaid) >= 10*time.Second {
			lastSaid = time.Now()
			state := "no pod yet"
			if !noPod {
				state = "pod " + list.Items[0].GetName() + " is " + strings.ToLower(getString(list.Items[0].Object, "status.phase"))
			}
			jr.progress("waiting for job/%s: %s (%s)", job, state, time.Since(start).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return "", "", fmt.Errorf("interrupted while waiting for job/%s's pod", job)
			}
			return "", "", fmt.Errorf("job/%s got no running pod within %s; see `kubectl describe job %s -n %s`", job, time.Since(start).Round(time.Second), job, ns)
		case <-tick.C:
		}
	}
}

// createFailure returns the message of the Job's latest FailedCreate
// event (the Job controller's: PodSecurity, quota, a webhook refused the
// pod), or "".
func (jr *JobRunner) createFailure(ctx context.Context, ns, job string) string {
	evs, err := jr.Client.Dynamic.Resource(EventGVR).Namespace(ns).List(ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.kind=Job,involvedObject.name=" + job})
	if err != nil {
		return ""
	}
	msg := ""
	for _, e := range evs.Items {
		if getString(e.Object, "reason") == "FailedCreate" {
			msg = getString(e.Object, "message")
		}
	}
	return strings.Join(strings.Fields(msg), " ")
}

// labelValue makes name a valid label value: at most 63 characters, so a
// longer name is cut and ends in a hash of the whole (the full name is in
// the ClusterAnnotation).
func labelValue(name string) string {
	if len(name) <= 63 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return strings.TrimRight(name[:52], "-.") + "-" + hex.EncodeToString(sum[:])[:10]
}

// waitingReason returns why the container waits (ErrImagePull, ...).
func waitingReason(pod map[string]any) string {
	for _, st := range listAt(pod, "status.containerStatuses") {
		if r := getString(st, "state.waiting.reason"); r != "" && r != "ContainerCreating" {
			return r
		}
	}
	return ""
}

func listAt(obj any, path string) []any {
	v, _ := get(obj, path)
	l, _ := v.([]any)
	return l
}

func jobCondition(job map[string]any) string {
	for _, c := range listAt(job, "status.conditions") {
		if getString(c, "type") == "Failed" {
			return strings.TrimSpace(getString(c, "reason") + ": " + getString(c, "message"))
		}
	}
	return "no reason given"
}

// stream copies the container's log (the report) to out until it exits.
func (jr *JobRunner) stream(ctx context.Context, ns, pod string, out io.Writer) error {
	if jr.Client.Logs == nil {
		return fmt.Errorf("no log client: cannot stream the Job's report")
	}
	rc, err := jr.Client.Logs.Stream(ctx, ns, pod, jobContainerName, true)
	if err != nil {
		return fmt.Errorf("could not read the log of pod/%s: %w", pod, err)
	}
	defer rc.Close()
	if _, err := io.Copy(out, rc); err != nil && ctx.Err() == nil {
		return fmt.Errorf("could not read the log of pod/%s: %w", pod, err)
	}
	return nil
}

// exitCode waits for the container to terminate and returns its exit code.
func (jr *JobRunner) exitCode(ctx context.Context, ns, job, pod string) (int, error) {
	pods := jr.Client.Dynamic.Resource(PodGVR).Namespace(ns)
	tick := time.NewTicker(jr.poll())
	defer tick.Stop()
	for {
		p, err := pods.Get(ctx, pod, metav1.GetOptions{})
		if err != nil && ctx.Err() == nil && !apierrors.IsNotFound(err) {
			return 0, fmt.Errorf("could not read pod/%s: %w", pod, err)
		}
		if err == nil {
			for _, st := range listAt(p.Object, "status.containerStatuses") {
				if getString(st, "name") != jobContainerName {
					continue
				}
				if _, ok := get(st, "state.terminated"); ok {
					return int(getInt(st, "state.terminated.exitCode", 3)), nil
				}
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return 0, fmt.Errorf("interrupted while job/%s ran", job)
			}
			return 0, fmt.Errorf("job/%s did not finish within the time allowed: %w", job, ctx.Err())
		case <-tick.C:
		}
	}
}
