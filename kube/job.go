package kube

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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
		ClusterLabel:                   c.Name,
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
			"securityContext": map[string]any{"allowPrivilegeEscalation": false},
		}},
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
			"name":      name,
			"namespace": c.Namespace,
			"labels":    labels,
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

	pod, err := jr.waitForPod(ctx, c.Namespace, name)
	if err != nil {
		return 0, err
	}
	jr.progress("pod/%s is %s; streaming its report", pod, "running")
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
// early on what will not get better: a Job that failed without a pod, an
// image that cannot be pulled, a pod that cannot be scheduled in time.
func (jr *JobRunner) waitForPod(ctx context.Context, ns, job string) (string, error) {
	pods := jr.Client.Dynamic.Resource(PodGVR).Namespace(ns)
	tick := time.NewTicker(jr.poll())
	defer tick.Stop()
	last := ""
	for {
		list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: podSelector(job)})
		if err != nil && ctx.Err() == nil {
			return "", fmt.Errorf("could not list the Job's pods: %w", err)
		}
		if list != nil {
			for _, p := range list.Items {
				phase := getString(p.Object, "status.phase")
				switch phase {
				case "Running", "Succeeded", "Failed":
					return p.GetName(), nil
				}
				if reason := waitingReason(p.Object); reason != "" && reason != last {
					last = reason
					jr.progress("pod/%s is waiting: %s", p.GetName(), reason)
					if reason == "ErrImagePull" || reason == "ImagePullBackOff" || reason == "InvalidImageName" {
						return "", fmt.Errorf("the Job's pod cannot pull image %q (%s): pass --image with an image the cluster can pull", jr.Image, reason)
					}
				}
			}
		}
		j, err := jr.Client.Dynamic.Resource(JobGVR).Namespace(ns).Get(ctx, job, metav1.GetOptions{})
		if err == nil && getInt(j.Object, "status.failed", 0) > 0 && (list == nil || len(list.Items) == 0) {
			return "", fmt.Errorf("job/%s failed before its pod started: %s", job, jobCondition(j.Object))
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("job/%s did not start in time: %w", job, ctx.Err())
		case <-tick.C:
		}
	}
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
			return 0, fmt.Errorf("job/%s did not finish in time: %w", job, ctx.Err())
		case <-tick.C:
		}
	}
}
