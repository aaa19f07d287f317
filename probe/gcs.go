package probe

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/option/internaloption"
	gcsapi "google.golang.org/api/storage/v1"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// The GCS client is Google's generated JSON API client
// (google.golang.org/api/storage/v1), HTTP only: cloud.google.com/go/storage
// links its gRPC client, OpenTelemetry metrics and Cloud Monitoring
// exporter into the binary even when only its JSON API is used. What that
// library added over the raw API and the probe relies on is kept here: the
// not-found errors (same texts), the CRC32C checks of uploads and full
// reads, and the emulator host of STORAGE_EMULATOR_HOST.

var (
	// errGCSBucketNotExist wraps a 404 of a list, as the storage library did.
	errGCSBucketNotExist = errors.New("storage: bucket doesn't exist")
	// errGCSObjectNotExist wraps a 404 of an object request.
	errGCSObjectNotExist = errors.New("storage: object doesn't exist")
)

// gcsNotFound wraps err in sentinel when it is an HTTP 404.
func gcsNotFound(err, sentinel error) error {
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == http.StatusNotFound {
		return fmt.Errorf("%w: %w", sentinel, err)
	}
	return err
}

var crc32cTable = crc32.MakeTable(crc32.Castagnoli)

// gcsCRC32C decodes a base64 big-endian CRC32C as GCS writes it.
func gcsCRC32C(b64 string) (uint32, bool) {
	d, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(d) != 4 {
		return 0, false
	}
	return uint32(d[0])<<24 | uint32(d[1])<<16 | uint32(d[2])<<8 | uint32(d[3]), true
}

func gcsEncodeCRC32C(u uint32) string {
	return base64.StdEncoding.EncodeToString([]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

// gcsStore adapts the Google Cloud Storage JSON API to probeObjectStore.
type gcsStore struct {
	svc    *gcsapi.Service
	bucket string
}

// listPages lists names under prefix, page by page (pageSize 0: the
// server's), until at least limit names or the last page.
func (s gcsStore) listPages(ctx context.Context, prefix string, pageSize, limit int) ([]string, error) {
	var out []string
	token := ""
	for len(out) < limit {
		call := s.svc.Objects.List(s.bucket).Prefix(prefix).Projection("full").Context(ctx)
		if pageSize > 0 {
			call.MaxResults(int64(pageSize))
		}
		if token != "" {
			call.PageToken(token)
		}
		page, err := call.Do()
		if err != nil {
			return out, gcsNotFound(err, errGCSBucketNotExist)
		}
		for _, o := range page.Items {
			out = append(out, o.Name)
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	return out, nil
}

func (s gcsStore) list(ctx context.Context, prefix string) ([]string, error) {
	out, err := s.listPages(ctx, prefix, 0, 1000)
	if len(out) > 1000 {
		out = out[:1000]
	}
	return out, err
}

// put uploads data in one request (no resumable session) and checks the
// CRC32C the server computed against the data's.
func (s gcsStore) put(ctx context.Context, key string, data []byte) error {
	const contentType = "application/octet-stream"
	o, err := s.svc.Objects.Insert(s.bucket, &gcsapi.Object{Name: key, Bucket: s.bucket, ContentType: contentType}).
		Media(bytes.NewReader(data), googleapi.ChunkSize(0), googleapi.ContentType(contentType)).
		Projection("full").Name(key).Context(ctx).Do()
	if err != nil {
		return err
	}
	want := crc32.Checksum(data, crc32cTable)
	if got, ok := gcsCRC32C(o.Crc32c); ok && got != want {
		return fmt.Errorf("storage: object checksum mismatch: computed %q, server %q; the bucket may contain corrupted object", gcsEncodeCRC32C(want), o.Crc32c)
	}
	return nil
}

// open starts a download of the whole object; its body checks the
// CRC32C the server sent once read to the end.
func (s gcsStore) open(ctx context.Context, key string) (io.ReadCloser, error) {
	res, err := s.svc.Objects.Get(s.bucket, key).Projection("full").Context(ctx).Download()
	if err != nil {
		return nil, gcsNotFound(err, errGCSObjectNotExist)
	}
	if res.StatusCode != http.StatusOK || res.Uncompressed || res.Header.Get("X-Goog-Stored-Content-Encoding") == "gzip" {
		return res.Body, nil
	}
	for _, v := range res.Header.Values("X-Goog-Hash") {
		for _, h := range strings.Split(v, ",") {
			if b64, ok := strings.CutPrefix(strings.TrimSpace(h), "crc32c="); ok {
				if want, ok := gcsCRC32C(b64); ok {
					return &gcsCRCReader{ReadCloser: res.Body, want: want}, nil
				}
			}
		}
	}
	return res.Body, nil
}

// gcsCRCReader checks the CRC32C of what it read at EOF.
type gcsCRCReader struct {
	io.ReadCloser
	want, got uint32
}

func (r *gcsCRCReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.got = crc32.Update(r.got, crc32cTable, p[:n])
	if err == io.EOF && r.got != r.want {
		return n, fmt.Errorf("storage: bad CRC on read: got %d, want %d", r.got, r.want)
	}
	return n, err
}

func (s gcsStore) get(ctx context.Context, key string) ([]byte, error) {
	rd, err := s.open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return readAtMost(rd, probeObjectSize)
}

func (s gcsStore) stat(ctx context.Context, key string) (int64, error) {
	o, err := s.svc.Objects.Get(s.bucket, key).Projection("full").Context(ctx).Do()
	if err != nil {
		return 0, gcsNotFound(err, errGCSObjectNotExist)
	}
	return int64(o.Size), nil
}

func (s gcsStore) del(ctx context.Context, key string) error {
	return gcsNotFound(s.svc.Objects.Delete(s.bucket, key).Context(ctx).Do(), errGCSObjectNotExist)
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
		keys := probeStoreKeys{sec: sec, notFound: []string{sec + ".bucket"},
			auth: []string{sec + ".credential", sec + ".credential_path", sec + ".scope"}, addr: []string{sec + ".endpoint"}}
		what := fmt.Sprintf("bucket %q at %s", t.Addr, c.host())
		testObjectStore(ctx, r, gcsStore{svc: client, bucket: t.Addr}, what, func(err error) (string, string) { return classifyGCS(err, sec) }, keys)
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

// gcsScopes are the scopes asked for unless scope is set: full control of
// objects, as the storage library asked.
var gcsScopes = []string{gcsapi.DevstorageFullControlScope, gcsapi.CloudPlatformScope}

// client builds the client (endpoint not bad) and returns how it
// authenticates. Only an emulator gets hc: with credentials the library
// brings its own transport, which carries the OAuth token. The client
// never retries: a refused endpoint must fail as refused now, not as a
// timeout after a backoff.
func (c gcsSettings) client(ctx context.Context, sec string, hc *http.Client) (*gcsapi.Service, string, error) {
	opts := []option.ClientOption{option.WithTelemetryDisabled()}
	if host := os.Getenv("STORAGE_EMULATOR_HOST"); host != "" {
		// The emulator host is the default endpoint, without
		// authentication even when a credential is set, as the storage
		// library had it.
		opts = append([]option.ClientOption{option.WithoutAuthentication(), internaloption.SkipDialSettingsValidation()}, opts...)
		if c.u == nil || isGoogleEndpoint(c.u.Host) {
			opts = append(opts, option.WithEndpoint(gcsEmulatorEndpoint(host)))
		}
	} else {
		opts = append([]option.ClientOption{option.WithScopes(gcsScopes...)}, opts...)
	}
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
	svc, err := gcsapi.NewService(ctx, opts...)
	if err != nil {
		return nil, auth, fmt.Errorf("dialing: %w", err)
	}
	return svc, auth, nil
}

// gcsEmulatorEndpoint is the JSON API base of a STORAGE_EMULATOR_HOST
// (host:port, or a URL).
func gcsEmulatorEndpoint(host string) string {
	u := &url.URL{Scheme: "http", Host: host}
	if strings.Contains(host, "://") {
		if p, err := url.Parse(host); err == nil {
			u = p
		}
	}
	u.Path = "storage/v1/"
	return u.String()
}

// classifyGCS recognises Google Cloud Storage errors by HTTP status.
func classifyGCS(err error, sec string) (string, string) {
	if errors.Is(err, errGCSBucketNotExist) {
		return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
	}
	if errors.Is(err, errGCSObjectNotExist) {
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
	rd, err := s.open(ctx, key)
	if err != nil {
		return 0, err
	}
	defer rd.Close()
	return drain(rd, buf, first)
}

func (s gcsBenchStore) listOnce(ctx context.Context, prefix string, max int) (int, error) {
	names, err := s.listPages(ctx, prefix, max, max)
	return len(names), err
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
func newGCSBenchStore(ctx context.Context, r *probeRun, workers int) (benchStore, string, error) {
	sec, perf := r.t.Section, r.t.Opts.Perf
	c := readGCSSettings(r.t.File, sec)
	r.addSecrets(c.cred)
	if c.badEndpoint() {
		return nil, "", configErrorf("%s.endpoint is not an http(s) URL", sec)
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
		return nil, "", err
	}
	if auth != gcsNoAuth {
		tr = nil
	}
	return gcsBenchStore{gcsStore{svc: client, bucket: r.t.Addr}, tr}, fmt.Sprintf("bucket %q at %s", r.t.Addr, c.host()), nil
}

// BenchGCS measures the bucket ProbeGCS checked (see benchObjectStore).
func BenchGCS(ctx context.Context, t Target) report.ProbeResult {
	classifier := func(err error) (string, string) { return classifyGCS(err, t.Section) }
	return benchObjectStore(ctx, t, classifier, func(ctx context.Context, r *probeRun, perf *PerfOptions) (objectBench, error) {
		st, what, err := newGCSBenchStore(ctx, r, perf.Workers)
		return objectBench{st: st, what: what}, err
	})
}
