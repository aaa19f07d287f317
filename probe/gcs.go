package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gcs "cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

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
		tr := probeHTTPTransport(t.Opts.Timeout, c.skipVerify)
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
