package kube

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/stepstone-dev/stepstone/report"
)

// stepstone talks to the API server through client-go's dynamic client
// only. The typed clientset (k8s.io/client-go/kubernetes) registers every
// built-in API type at init, which costs about 27 ms at every start and
// 20 MB of binary (docs/benchmarks.md); unstructured objects need neither.

// Resources stepstone reads or writes.
var (
	ClusterGVR   = schema.GroupVersionResource{Group: Group, Version: Version, Resource: Resource}
	SecretGVR    = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	ConfigMapGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	PodGVR       = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	JobGVR       = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}
)

// ListKinds maps the resources above to their list kinds, as the fake
// dynamic client in tests needs them.
var ListKinds = map[schema.GroupVersionResource]string{
	ClusterGVR:   "GreptimeDBClusterList",
	SecretGVR:    "SecretList",
	ConfigMapGVR: "ConfigMapList",
	PodGVR:       "PodList",
	JobGVR:       "JobList",
}

// ClientOptions are kubectl's standard connection flags.
type ClientOptions struct {
	Kubeconfig string
	Context    string
	Namespace  string
	// Getenv reads KUBECONFIG and HOME; nil means no environment.
	Getenv func(string) string
	// UserAgent is sent with every request.
	UserAgent string
}

// Client reads clusters from an API server.
type Client struct {
	Dynamic dynamic.Interface
	// Logs streams pod logs; the dynamic client cannot reach the log
	// subresource, so it goes through a plain REST client.
	Logs LogStreamer
	// Namespace is the namespace from the flags or the kubeconfig context.
	Namespace string
}

// NewClient connects as kubectl would with the same flags: --kubeconfig,
// else $KUBECONFIG, else ~/.kube/config, else the in-cluster service
// account.
func NewClient(o ClientOptions) (*Client, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: o.Kubeconfig}
	if kc := getenv("KUBECONFIG"); kc != "" {
		rules.Precedence = filepath.SplitList(kc)
		rules.WarnIfAllMissing = true
	} else if home := getenv("HOME"); home != "" {
		rules.Precedence = []string{filepath.Join(home, ".kube", "config")}
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.Context}
	if o.Namespace != "" {
		overrides.Context.Namespace = o.Namespace
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("could not load the kubeconfig: %w", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, fmt.Errorf("could not tell the namespace: %w", err)
	}
	if o.UserAgent != "" {
		cfg.UserAgent = o.UserAgent
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("could not create a Kubernetes client: %w", err)
	}
	logs, err := NewRESTLogs(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{Dynamic: dyn, Logs: logs, Namespace: ns}, nil
}

// apiError rewords the API server's errors about the resource itself.
func apiError(err error, what string) error {
	switch {
	case apierrors.IsNotFound(err):
		var se *apierrors.StatusError
		if errors.As(err, &se) && se.ErrStatus.Details != nil && se.ErrStatus.Details.Name == "" {
			return fmt.Errorf("the API server does not serve %s: is greptimedb-operator's CRD installed? (%w)", Resource+"."+Group, err)
		}
		return fmt.Errorf("%s not found: %w", what, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to read %s: %w", what, err)
	}
	return fmt.Errorf("could not read %s: %w", what, err)
}

// ErrNotFound marks a cluster that does not exist, which the CLI reports
// as a usage error.
var ErrNotFound = errors.New("not found")

// GetCluster reads one GreptimeDBCluster with its Secrets and generated
// ConfigMaps. A Secret or ConfigMap it may not read is a WARN in
// Cluster.Access, and the rest is checked.
func (cl *Client) GetCluster(ctx context.Context, namespace, name string) (*Cluster, error) {
	u, err := cl.Dynamic.Resource(ClusterGVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%w: %w", ErrNotFound, apiError(err, fmt.Sprintf("greptimedbcluster %q in namespace %q", name, namespace)))
		}
		return nil, apiError(err, fmt.Sprintf("greptimedbcluster %q in namespace %q", name, namespace))
	}
	return cl.resolve(ctx, u), nil
}

// ListClusters reads every GreptimeDBCluster in namespace ("" for all) with
// their Secrets and ConfigMaps.
func (cl *Client) ListClusters(ctx context.Context, namespace string) ([]*Cluster, error) {
	what := fmt.Sprintf("greptimedbclusters in namespace %q", namespace)
	if namespace == "" {
		what = "greptimedbclusters in all namespaces"
	}
	list, err := cl.Dynamic.Resource(ClusterGVR).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, apiError(err, what)
	}
	items := list.Items
	sort.Slice(items, func(i, j int) bool {
		if items[i].GetNamespace() != items[j].GetNamespace() {
			return items[i].GetNamespace() < items[j].GetNamespace()
		}
		return items[i].GetName() < items[j].GetName()
	})
	var out []*Cluster
	for i := range items {
		out = append(out, cl.resolve(ctx, &items[i]))
	}
	return out, nil
}

// NewRemoteCluster wraps an object read from the API server (or the JSON
// of one) as a Cluster whose findings name fields by path.
func NewRemoteCluster(obj map[string]any) *Cluster {
	obj = pruneObject(obj)
	c := &Cluster{
		Name:       getString(obj, "metadata.name"),
		Namespace:  getString(obj, "metadata.namespace"),
		Object:     obj,
		Secrets:    map[string]*Secret{},
		ConfigMaps: map[string]*ConfigMap{},
		remote:     true,
	}
	c.loc = newAPILocator(c.Ref(), obj)
	c.Source = c.Ref()
	return c
}

// pruneObject drops what the API server adds and nobody wrote.
func pruneObject(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		if k == "status" {
			continue
		}
		out[k] = v
	}
	if md, ok := out["metadata"].(map[string]any); ok {
		m := make(map[string]any, len(md))
		for k, v := range md {
			if k != "managedFields" {
				m[k] = v
			}
		}
		out["metadata"] = m
	}
	return out
}

func (cl *Client) resolve(ctx context.Context, u *unstructured.Unstructured) *Cluster {
	c := NewRemoteCluster(u.Object)
	c.live = true
	if phase := getString(u.Object, "status.clusterPhase"); phase != "" {
		p := report.ProbeResult{Name: "cluster phase", Status: report.Pass, Message: "the operator reports phase " + phase}
		if phase != "Running" {
			p.Status = report.Warn
			p.Suggestion = "see `kubectl describe greptimedbcluster " + c.Name + "` and the operator's logs"
		}
		c.Access = append(c.Access, p)
	}
	// ConfigMaps first: a forbidden Secret's message says whether the
	// credentials are readable there anyway.
	for _, comp := range c.Components() {
		name := comp.ConfigMapName(c.Name)
		cm := &ConfigMap{Name: name}
		c.ConfigMaps[name] = cm
		u, err := cl.Dynamic.Resource(ConfigMapGVR).Namespace(c.Namespace).Get(ctx, name, metav1.GetOptions{})
		switch {
		case err == nil:
			if v, ok := getMap(u.Object, "data")["config.toml"].(string); ok {
				cm.Data, cm.Found = v, true
			} else {
				c.Access = append(c.Access, report.ProbeResult{Name: "ConfigMap " + name, Status: report.Warn,
					Message: "has no config.toml key", Suggestion: "the operator writes config.toml; is the ConfigMap its own?"})
			}
		case apierrors.IsNotFound(err):
			c.Access = append(c.Access, report.ProbeResult{Name: "ConfigMap " + name, Status: report.Warn,
				Message:    "not found: the operator has not generated it yet, so live checks use the config stepstone merged",
				Suggestion: "check that greptimedb-operator runs and has reconciled the cluster"})
		case apierrors.IsForbidden(err):
			c.Access = append(c.Access, report.ProbeResult{Name: "ConfigMap " + name, Status: report.Warn,
				Message: "not allowed to read it, so live checks use the config stepstone merged", Class: "permission"})
		default:
			c.Access = append(c.Access, report.ProbeResult{Name: "ConfigMap " + name, Status: report.Warn,
				Message: "could not read it: " + oneLine(err)})
		}
	}
	for _, ref := range c.secretRefs() {
		if _, done := c.Secrets[ref.Name]; done {
			continue
		}
		s := &Secret{Name: ref.Name, Source: c.Ref()}
		c.Secrets[ref.Name] = s
		u, err := cl.Dynamic.Resource(SecretGVR).Namespace(c.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		switch {
		case err == nil:
			s.State, s.Data = SecretFound, map[string][]byte{}
			for k, v := range getMap(u.Object, "data") {
				str, _ := v.(string)
				if b, err := base64.StdEncoding.DecodeString(str); err == nil {
					s.Data[k] = b
				}
			}
		case apierrors.IsNotFound(err):
			s.State, s.Err = SecretNotFound, err
		case apierrors.IsForbidden(err):
			s.State, s.Err = SecretForbidden, err
			msg := "not allowed to read it, so its keys and the credentials in it were not checked"
			if c.credentialsReadable(ref) {
				msg += "; the operator copies them into a ConfigMap this user can read"
			}
			c.Access = append(c.Access, report.ProbeResult{Name: "Secret " + ref.Name, Status: report.Warn, Class: "permission",
				Message:    msg,
				Suggestion: "run as a user who may get secrets in namespace " + c.Namespace + " to check them too",
				Key:        ref.Path, Pos: c.loc.Field(ref.Path)})
		default:
			s.State, s.Err = SecretForbidden, err
			c.Access = append(c.Access, report.ProbeResult{Name: "Secret " + ref.Name, Status: report.Warn,
				Message: "could not read it: " + oneLine(err), Key: ref.Path, Pos: c.loc.Field(ref.Path)})
		}
	}
	return c
}

// credentialsReadable reports whether a ConfigMap holding the credentials
// of ref was read.
func (c *Cluster) credentialsReadable(ref secretRef) bool {
	for _, comp := range c.Components() {
		cm := c.ConfigMaps[comp.ConfigMapName(c.Name)]
		if cm == nil || !cm.Found {
			continue
		}
		switch {
		case strings.HasPrefix(ref.Path, "spec.objectStorage.") && comp.Role == "datanode",
			strings.HasPrefix(ref.Path, "spec.meta.") && comp.Role == "meta",
			strings.HasPrefix(ref.Path, "spec.wal.") && comp.Role != "frontend":
			return true
		}
	}
	return false
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// LogStreamer streams a container's log.
type LogStreamer interface {
	Stream(ctx context.Context, namespace, pod, container string, follow bool) (io.ReadCloser, error)
}

// restLogs reads the pods/log subresource with a plain REST client: no
// typed clientset, and an empty scheme, because the body is a raw stream.
type restLogs struct{ client rest.Interface }

// NewRESTLogs returns a LogStreamer for the API server of cfg.
func NewRESTLogs(cfg *rest.Config) (LogStreamer, error) {
	c := rest.CopyConfig(cfg)
	c.APIPath = "/api"
	c.GroupVersion = &schema.GroupVersion{Version: "v1"}
	c.NegotiatedSerializer = serializer.NewCodecFactory(runtime.NewScheme()).WithoutConversion()
	rc, err := rest.RESTClientFor(c)
	if err != nil {
		return nil, fmt.Errorf("could not create a Kubernetes REST client: %w", err)
	}
	return &restLogs{client: rc}, nil
}

// Stream opens GET .../pods/POD/log?container=C[&follow=true].
func (l *restLogs) Stream(ctx context.Context, namespace, pod, container string, follow bool) (io.ReadCloser, error) {
	req := l.client.Get().Namespace(namespace).Resource("pods").Name(pod).SubResource("log").Param("container", container)
	if follow {
		req = req.Param("follow", "true")
	}
	return req.Stream(ctx)
}
