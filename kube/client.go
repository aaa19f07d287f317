package kube

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

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
	EventGVR     = schema.GroupVersionResource{Version: "v1", Resource: "events"}
)

// ListKinds maps the resources above to their list kinds, as the fake
// dynamic client in tests needs them.
var ListKinds = map[schema.GroupVersionResource]string{
	ClusterGVR:   "GreptimeDBClusterList",
	SecretGVR:    "SecretList",
	ConfigMapGVR: "ConfigMapList",
	PodGVR:       "PodList",
	JobGVR:       "JobList",
	EventGVR:     "EventList",
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
	// RequestTimeout is kubectl's --request-timeout: the longest a single
	// request may take (0: no limit of the HTTP client, as in kubectl).
	// Every read stepstone makes also has a deadline of its own
	// (ReadTimeout).
	RequestTimeout time.Duration
	// Impersonate and ImpersonateGroups are kubectl's --as and --as-group.
	Impersonate       string
	ImpersonateGroups []string
	// Verbosity is kubectl's -v: at 6 and above every request is logged to
	// Log (method, URL, status, time), as kubectl does.
	Verbosity int
	Log       io.Writer
}

// kubectl's client-side rate limit (k8s.io/cli-runtime's defaults since
// Kubernetes 1.27); client-go's own default (5/s, burst 10) throttles a
// run over many clusters.
const (
	kubectlQPS   = 50
	kubectlBurst = 300
)

// DefaultReadTimeout bounds each API read when --request-timeout is not
// given, so that an API server that accepts the connection and then never
// answers cannot hang stepstone.
const DefaultReadTimeout = 30 * time.Second

// Client reads clusters from an API server.
type Client struct {
	Dynamic dynamic.Interface
	// Logs streams pod logs; the dynamic client cannot reach the log
	// subresource, so it goes through a plain REST client.
	Logs LogStreamer
	// Namespace is the namespace from the flags or the kubeconfig context.
	Namespace string
	// ReadTimeout bounds every read; 0 means DefaultReadTimeout.
	ReadTimeout time.Duration

	// cache holds the ConfigMaps and Secrets read in this run: clusters
	// of one namespace often share a Secret.
	cache sync.Map // cacheKey -> *cacheEntry
}

type cacheKey struct {
	gvr      schema.GroupVersionResource
	ns, name string
}

type cacheEntry struct {
	once sync.Once
	obj  *unstructured.Unstructured
	err  error
}

// readCtx gives one read its deadline.
func (cl *Client) readCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	t := cl.ReadTimeout
	if t <= 0 {
		t = DefaultReadTimeout
	}
	return context.WithTimeout(ctx, t)
}

// get reads one object once per run, with a deadline.
func (cl *Client) get(ctx context.Context, gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	v, _ := cl.cache.LoadOrStore(cacheKey{gvr, ns, name}, &cacheEntry{})
	e := v.(*cacheEntry)
	e.once.Do(func() {
		rctx, cancel := cl.readCtx(ctx)
		defer cancel()
		e.obj, e.err = cl.Dynamic.Resource(gvr).Namespace(ns).Get(rctx, name, metav1.GetOptions{})
	})
	return e.obj, e.err
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
	if cfg.QPS == 0 && cfg.Burst == 0 {
		cfg.QPS, cfg.Burst = kubectlQPS, kubectlBurst
	}
	if o.Impersonate != "" || len(o.ImpersonateGroups) > 0 {
		cfg.Impersonate = rest.ImpersonationConfig{UserName: o.Impersonate, Groups: o.ImpersonateGroups}
	}
	if o.Verbosity >= 6 && o.Log != nil {
		cfg.WrapTransport = requestLogger(o.Log)
	}
	// The log stream follows a running container, so the request timeout
	// does not apply to it.
	logCfg := rest.CopyConfig(cfg)
	cfg.Timeout = o.RequestTimeout
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("could not create a Kubernetes client: %w", err)
	}
	logs, err := NewRESTLogs(logCfg)
	if err != nil {
		return nil, err
	}
	return &Client{Dynamic: dyn, Logs: logs, Namespace: ns, ReadTimeout: o.RequestTimeout}, nil
}

// apiError rewords the API server's errors about the resource itself.
func apiError(err error, what string) error {
	switch {
	case apierrors.IsNotFound(err):
		var se *apierrors.StatusError
		if errors.As(err, &se) && se.ErrStatus.Details != nil && se.ErrStatus.Details.Name == "" {
			return fmt.Errorf("%w: the API server does not serve %s: is greptimedb-operator's CRD installed?", ErrNoCRD, Resource+"."+Group)
		}
		return fmt.Errorf("%s not found: %w", what, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to read %s: %w", what, err)
	}
	return fmt.Errorf("could not read %s: %w", what, err)
}

// ErrNotFound marks a cluster that does not exist, and ErrNoCRD an API
// server without greptimedb-operator's CRD; the CLI reports both as usage
// errors (exit 2), as it does an API server it cannot reach
// (ErrUnreachable).
var (
	ErrNotFound    = errors.New("not found")
	ErrNoCRD       = errors.New("no GreptimeDBCluster CRD")
	ErrUnreachable = errors.New("API server unreachable")
)

// notFound says once that a cluster does not exist, and is ErrNotFound.
type notFound struct{ name, namespace string }

func (e notFound) Error() string {
	return fmt.Sprintf("greptimedbcluster %q not found in namespace %q", e.name, e.namespace)
}
func (e notFound) Is(target error) bool { return target == ErrNotFound }

// unreachable wraps an error that is no answer of the API server (refused,
// timed out, DNS, TLS), and is ErrUnreachable.
func unreachable(err error) error {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return err
	}
	if errors.Is(err, ErrNoCRD) || errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnreachable, err)
}

// GetCluster reads one GreptimeDBCluster with its Secrets and generated
// ConfigMaps. A Secret or ConfigMap it may not read is a WARN in
// Cluster.Access, and the rest is checked.
func (cl *Client) GetCluster(ctx context.Context, namespace, name string) (*Cluster, error) {
	rctx, cancel := cl.readCtx(ctx)
	u, err := cl.Dynamic.Resource(ClusterGVR).Namespace(namespace).Get(rctx, name, metav1.GetOptions{})
	cancel()
	if err != nil {
		if apierrors.IsNotFound(err) {
			if e := apiError(err, ""); errors.Is(e, ErrNoCRD) {
				return nil, e
			}
			return nil, notFound{name, namespace}
		}
		return nil, unreachable(apiError(err, fmt.Sprintf("greptimedbcluster %q in namespace %q", name, namespace)))
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
	rctx, cancel := cl.readCtx(ctx)
	list, err := cl.Dynamic.Resource(ClusterGVR).Namespace(namespace).List(rctx, metav1.ListOptions{})
	cancel()
	if err != nil {
		return nil, unreachable(apiError(err, what))
	}
	items := list.Items
	sort.Slice(items, func(i, j int) bool {
		if items[i].GetNamespace() != items[j].GetNamespace() {
			return items[i].GetNamespace() < items[j].GetNamespace()
		}
		return items[i].GetName() < items[j].GetName()
	})
	// A few workers: each cluster takes a few reads (its ConfigMaps and
	// Secrets), and the API server answers them in parallel.
	out := make([]*Cluster, len(items))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(listWorkers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = cl.resolve(ctx, &items[i])
			}
		}()
	}
	for i := range items {
		work <- i
	}
	close(work)
	wg.Wait()
	return out, nil
}

// listWorkers is how many clusters ListClusters resolves at once.
const listWorkers = 8

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

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

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
		// kubectl apply's copy of the whole resource: it doubles the
		// size of what the Job carries (and a resource near 256 KiB then
		// no longer fits in the pod's annotations).
		if ann, ok := m["annotations"].(map[string]any); ok {
			if _, ok := ann[lastApplied]; ok {
				a := make(map[string]any, len(ann))
				for k, v := range ann {
					if k != lastApplied {
						a[k] = v
					}
				}
				m["annotations"] = a
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
		u, err := cl.get(ctx, ConfigMapGVR, c.Namespace, name)
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
		u, err := cl.get(ctx, SecretGVR, c.Namespace, ref.Name)
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
	// metav1's types for v1 (Status above all), so that an error the API
	// server answers with ("pods \"x\" not found") is decoded, not
	// reported as "the server could not find the requested resource".
	scheme := runtime.NewScheme()
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	c.NegotiatedSerializer = serializer.NewCodecFactory(scheme).WithoutConversion()
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

// requestLogger logs each request as kubectl -v=6 does: method, URL,
// status and time. URLs carry no credentials (tokens travel in headers).
func requestLogger(w io.Writer) func(http.RoundTripper) http.RoundTripper {
	var mu sync.Mutex
	return func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			start := time.Now()
			resp, err := rt.RoundTrip(req)
			status := "error: " + fmt.Sprint(err)
			if err == nil {
				status = resp.Status
			}
			mu.Lock()
			fmt.Fprintf(w, "%s %s %s in %d milliseconds\n", req.Method, req.URL.Redacted(), status, time.Since(start).Milliseconds())
			mu.Unlock()
			return resp, err
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
