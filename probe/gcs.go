package probe

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	gcs "cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// gcsStore adapts the Google Cloud Storage client to probeObjectStore.
type gcsStore struct{ b *gcs.BucketHandle }

func (s gcsStore) list(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	it := s.b.Objects(ctx, &gcs.Query{Prefix: prefix})
	for len(out) < 1000 {
		o, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return out, err
		}
		out = append(out, o.Name)
	}
	return out, nil
}

func (s gcsStore) put(ctx context.Context, key string, data []byte) error {
	w := s.b.Object(key).NewWriter(ctx)
	w.ChunkSize = 0 // one request, no resumable session
	w.ContentType = "application/octet-stream"
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return err
	}
	return w.Close()
}

func (s gcsStore) get(ctx context.Context, key string) ([]byte, error) {
	rd, err := s.b.Object(key).NewReader(ctx)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return readAtMost(rd, probeObjectSize)
}

func (s gcsStore) stat(ctx context.Context, key string) (int64, error) {
	a, err := s.b.Object(key).Attrs(ctx)
	if err != nil {
		return 0, err
	}
	return a.Size, nil
}

func (s gcsStore) del(ctx context.Context, key string) error {
	return s.b.Object(key).Delete(ctx)
}

// gcsCredType reads the "type" of a credential JSON.
func gcsCredType(js []byte) (option.CredentialsType, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return "", configErrorf("the credential is not JSON: %v", err)
	}
	switch head.Type {
	case "service_account":
		return option.ServiceAccount, nil
	case "authorized_user":
		return option.AuthorizedUser, nil
	case "external_account":
		return option.ExternalAccount, nil
	case "impersonated_service_account":
		return option.ImpersonatedServiceAccount, nil
	}
	return "", configErrorf("the credential has type %q; want a service account key", head.Type)
}

// isGoogleEndpoint reports whether an endpoint is Google's own; any other
// is taken for an emulator (fake-gcs-server) and gets no authentication.
func isGoogleEndpoint(host string) bool {
	h := strings.ToLower(host)
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return strings.HasSuffix(h, ".googleapis.com") || h == "googleapis.com"
}

// ProbeGCS checks a Google Cloud Storage bucket.
func ProbeGCS(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		sec := t.Section
		if t.Addr == "" {
			r.at(sec+".type", sec)
			r.fail(ClassConfig, fmt.Sprintf("set %s.bucket", sec), `%s.type = "Gcs" but %s.bucket is not set: GreptimeDB fails to start`, sec, sec)
			return
		}
		c := readGCSSettings(t.File, sec)
		tr := probeHTTPTransport(clientTimeout(ctx), c.skipVerify)
		defer tr.CloseIdleConnections() // see probeHTTPTransport
		r.addSecrets(c.cred)
		if c.badEndpoint() {
			r.at(sec + ".endpoint")
			r.fail(ClassConfig, "write the endpoint as https://storage.googleapis.com", "%s.endpoint %q is not an http(s) URL", sec, probeDisplayAddr(c.endpoint))
			return
		}
		client, auth, err := c.client(ctx, sec, &http.Client{Transport: capErrorBodies(tr)})
		var ce *gcsCredError
		if errors.As(err, &ce) {
			r.at(ce.key)
			switch {
			case ce.op == "decode":
				r.fail(ClassConfig, fmt.Sprintf("%s.credential must be the base64 of the service account JSON key (base64 -w0 key.json)", sec),
					"%s.credential is not valid base64: %s", sec, probeErrText(ce.err))
			case ce.op == "read":
				r.failErr(ce.err, classify, "cannot read %s.credential_path %q", sec, c.credPath)
			case ce.key == sec+".credential":
				r.failErr(ce.err, classify, "%s.credential cannot be used", sec)
			default:
				r.failErr(ce.err, classify, "%s.credential_path %q cannot be used", sec, c.credPath)
			}
			return
		}
		if err != nil {
			class, sug := classifyGCS(err, sec)
			if class == ClassOther {
				class = ClassAuth
				sug = fmt.Sprintf("no usable Google credentials: set %s.credential or %s.credential_path, or provide application default credentials", sec, sec)
			}
			r.at(sec+".credential", sec+".credential_path", sec+".type")
			r.fail(class, sug, "cannot set up a Google Cloud Storage client: %s", probeErrText(err))
			return
		}
		defer client.Close()
		// No retries: a refused endpoint must fail as refused now, not as a
		// timeout after the client's backoff.
		b := client.Bucket(t.Addr).Retryer(gcs.WithPolicy(gcs.RetryNever))
		keys := probeStoreKeys{sec: sec, notFound: []string{sec + ".bucket"},
			auth: []string{sec + ".credential", sec + ".credential_path", sec + ".scope"}, addr: []string{sec + ".endpoint"}}
		what := fmt.Sprintf("bucket %q at %s", t.Addr, c.host())
		testObjectStore(ctx, r, gcsStore{b: b}, what, func(err error) (string, string) { return classifyGCS(err, sec) }, keys)
		if r.res.Status != report.Fail {
			r.note("%s", auth)
		}
	})
}

// gcsNoAuth is the authentication of an emulator: none.
const gcsNoAuth = "no authentication (emulator)"

// gcsSettings is a Gcs section.
type gcsSettings struct {
	endpoint string   // as written, trimmed
	u        *url.URL // the endpoint, nil unless an http(s) URL with a host
	cred     string   // base64 of the key JSON, trimmed
	credPath string
	scope    string
	// emulator: STORAGE_EMULATOR_HOST, or an endpoint that is not Google's.
	emulator   bool
	skipVerify bool
}

func readGCSSettings(f *configs.File, sec string) gcsSettings {
	c := gcsSettings{
		endpoint:   strings.TrimSpace(probeString(f, sec+".endpoint", "")),
		cred:       strings.TrimSpace(probeString(f, sec+".credential", "")),
		credPath:   probeString(f, sec+".credential_path", ""),
		scope:      probeString(f, sec+".scope", ""),
		emulator:   os.Getenv("STORAGE_EMULATOR_HOST") != "",
		skipVerify: probeBool(f, sec+".http_client.skip_ssl_validation", false),
	}
	if u, err := url.Parse(c.endpoint); c.endpoint != "" && err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		c.u = u
		c.emulator = c.emulator || !isGoogleEndpoint(u.Host)
	}
	return c
}

// badEndpoint reports an endpoint that is set but not an http(s) URL.
func (c gcsSettings) badEndpoint() bool { return c.endpoint != "" && c.u == nil }

func (c gcsSettings) host() string {
	if c.u != nil {
		return c.u.Host
	}
	return "storage.googleapis.com"
}

// gcsCredError is a credential or credential_path that cannot be used:
// key is the setting, op what failed ("decode", "read" or "type"). err
// never holds the credential.
type gcsCredError struct {
	key, op string
	err     error
}

func (e *gcsCredError) Error() string { return e.err.Error() }

// client builds the client (endpoint not bad) and returns how it
// authenticates. Only an emulator gets hc: with credentials the library
// brings its own transport, which carries the OAuth token.
func (c gcsSettings) client(ctx context.Context, sec string, hc *http.Client) (*gcs.Client, string, error) {
	opts := []option.ClientOption{gcs.WithJSONReads(), option.WithTelemetryDisabled()}
	if c.u != nil && !isGoogleEndpoint(c.u.Host) {
		opts = append(opts, option.WithEndpoint(strings.TrimSuffix(c.u.String(), "/")+"/storage/v1/"))
	}
	auth := gcsNoAuth
	switch {
	case c.cred != "":
		key := sec + ".credential"
		js, err := base64.StdEncoding.DecodeString(c.cred)
		if err != nil {
			return nil, "", &gcsCredError{key, "decode", err}
		}
		ct, err := gcsCredType(js)
		if err != nil {
			return nil, "", &gcsCredError{key, "type", err}
		}
		opts = append(opts, option.WithAuthCredentialsJSON(ct, js))
		auth = "credential"
	case c.credPath != "":
		key := sec + ".credential_path"
		js, err := os.ReadFile(c.credPath)
		if err != nil {
			return nil, "", &gcsCredError{key, "read", err}
		}
		ct, err := gcsCredType(js)
		if err != nil {
			return nil, "", &gcsCredError{key, "type", err}
		}
		opts = append(opts, option.WithAuthCredentialsFile(ct, c.credPath))
		auth = "credential_path"
	case c.emulator:
		opts = append(opts, option.WithoutAuthentication(), option.WithHTTPClient(hc))
	default:
		auth = "application default credentials"
	}
	if c.scope != "" && auth != gcsNoAuth {
		opts = append(opts, option.WithScopes(c.scope))
	}
	cl, err := gcs.NewClient(ctx, opts...)
	return cl, auth, err
}

// classifyGCS recognises Google Cloud Storage errors by HTTP status.
func classifyGCS(err error, sec string) (string, string) {
	if errors.Is(err, gcs.ErrBucketNotExist) {
		return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
	}
	if errors.Is(err, gcs.ErrObjectNotExist) {
		return ClassNotFound, "the object does not exist"
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		switch ge.Code {
		case http.StatusUnauthorized:
			return ClassAuth, fmt.Sprintf("Google rejected the credentials: check %s.credential or %s.credential_path", sec, sec)
		case http.StatusForbidden:
			return ClassPermission, fmt.Sprintf("the service account lacks access: grant it roles/storage.objectAdmin on the bucket (and check %s.scope)", sec)
		case http.StatusNotFound:
			return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
		}
	}
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.NotFound:
			return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
		case codes.PermissionDenied:
			return ClassPermission, "the service account lacks access to the bucket"
		case codes.Unauthenticated:
			return ClassAuth, "Google rejected the credentials"
		}
	}
	class, sug := classify(err)
	if class == ClassDNS || class == ClassRefused || class == ClassTimeout || class == ClassTLS {
		sug += fmt.Sprintf(" (%s.endpoint)", sec)
	}
	if class == ClassOther && strings.Contains(strings.ToLower(err.Error()), "credentials") {
		return ClassAuth, fmt.Sprintf("no usable Google credentials: set %s.credential or %s.credential_path, or provide application default credentials", sec, sec)
	}
	return class, sug
}

type gcsBenchStore struct {
	gcsStore
	// tr is nil when the library brings its own authenticated transport.
	tr *http.Transport
}

func (s gcsBenchStore) read(ctx context.Context, key string, buf []byte, first func()) (int64, error) {
	rd, err := s.b.Object(key).NewReader(ctx)
	if err != nil {
		return 0, err
	}
	defer rd.Close()
	return drain(rd, buf, first)
}

func (s gcsBenchStore) listOnce(ctx context.Context, prefix string, max int) (int, error) {
	var objs []*gcs.ObjectAttrs
	_, err := iterator.NewPager(s.b.Objects(ctx, &gcs.Query{Prefix: prefix}), max, "").NextPage(&objs)
	return len(objs), err
}

func (s gcsBenchStore) closeIdle() {
	if s.tr != nil {
		s.tr.CloseIdleConnections()
	}
}

// newGCSBenchStore builds the GCS client the GCS probe checked. Against
// Google with credentials the library keeps its own transport (it
// carries the OAuth token); against an emulator the benchmark's
// transport is used.
func newGCSBenchStore(ctx context.Context, r *probeRun, workers int) (benchStore, string, func(), error) {
	sec, perf := r.t.Section, r.t.Opts.Perf
	c := readGCSSettings(r.t.File, sec)
	r.addSecrets(c.cred)
	if c.badEndpoint() {
		return nil, "", nil, configErrorf("%s.endpoint is not an http(s) URL", sec)
	}
	tr := benchTransport(perf.requestTimeout, c.skipVerify, workers)
	client, auth, err := c.client(ctx, sec, &http.Client{Transport: tr})
	var ce *gcsCredError
	if errors.As(err, &ce) {
		err = ce.err
		if ce.op == "decode" {
			err = configErrorf("%s.credential is not valid base64", sec)
		}
	}
	if err != nil {
		return nil, "", nil, err
	}
	if auth != gcsNoAuth {
		tr = nil
	}
	b := client.Bucket(r.t.Addr).Retryer(gcs.WithPolicy(gcs.RetryNever))
	return gcsBenchStore{gcsStore{b: b}, tr}, fmt.Sprintf("bucket %q at %s", r.t.Addr, c.host()), func() { client.Close() }, nil
}

// BenchGCS measures the bucket ProbeGCS checked (see benchObjectStore).
func BenchGCS(ctx context.Context, t Target) report.ProbeResult {
	classifier := func(err error) (string, string) { return classifyGCS(err, t.Section) }
	return benchObjectStore(ctx, t, classifier, func(ctx context.Context, r *probeRun, perf *PerfOptions) (objectBench, error) {
		st, what, closeFn, err := newGCSBenchStore(ctx, r, perf.Workers)
		return objectBench{st: st, what: what, close: closeFn}, err
	})
}
