package probe

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// The Azure clients are azblob's blob and blockblob packages only: its
// container and service packages (and the azblob.Client over them) link
// Apache Arrow and a second JSON encoder into the binary, for an optional
// Arrow format of List Blobs responses the probe never asks for (5.7 MB
// of the stripped binary). List Blobs, which only those packages
// offer, goes through a blob client (same pipeline, signing, retries and
// error parsing) pointed at the container's List Blobs URL (list below).

// azAccount builds the clients of one storage account, with the
// credential the settings chose.
type azAccount struct {
	serviceURL string // ends in "/", then "?" and the SAS token if any
	cred       *blob.SharedKeyCredential
	opts       *blob.ClientOptions
}

// blobURL is the URL of blob name in container (name "" is the
// container), the query (the SAS token) kept, names escaped as azblob
// escapes them.
func (a azAccount) blobURL(container, name string) string {
	u := runtime.JoinPaths(a.serviceURL, container)
	if name != "" {
		u = runtime.JoinPaths(u, url.PathEscape(name))
	}
	return u
}

func (a azAccount) blockBlob(rawURL string) (*blockblob.Client, error) {
	if a.cred != nil {
		return blockblob.NewClientWithSharedKeyCredential(rawURL, a.cred, (*blockblob.ClientOptions)(a.opts))
	}
	return blockblob.NewClientWithNoCredential(rawURL, (*blockblob.ClientOptions)(a.opts))
}

func (a azAccount) blob(rawURL string) (*blob.Client, error) {
	if a.cred != nil {
		return blob.NewClientWithSharedKeyCredential(rawURL, a.cred, a.opts)
	}
	return blob.NewClientWithNoCredential(rawURL, a.opts)
}

// azStore adapts the Azure Blob clients to probeObjectStore.
type azStore struct {
	acct      azAccount
	container string
}

// azBlobList is the part of a List Blobs response the probe reads.
type azBlobList struct {
	Blobs []struct {
		Name struct {
			Content string `xml:",chardata"`
			Encoded bool   `xml:"Encoded,attr"`
		} `xml:"Name"`
	} `xml:"Blobs>Blob"`
	NextMarker string `xml:"NextMarker"`
}

// listPage runs one List Blobs request (flat, no include options). The
// request is the one azblob's container client sends, GET on the
// container with restype=container&comp=list, made by a blob client whose
// URL carries that query: a download keeps its URL's query, so the
// signature, the retry policy and the errors (*azcore.ResponseError with
// the service's error code) are the SDK's own.
func (s azStore) listPage(ctx context.Context, prefix, marker string, max int) (names []string, next string, err error) {
	u, err := url.Parse(s.acct.blobURL(s.container, ""))
	if err != nil {
		return nil, "", err
	}
	q := u.Query()
	q.Set("restype", "container")
	q.Set("comp", "list")
	q.Set("prefix", prefix)
	if marker != "" {
		q.Set("marker", marker)
	}
	if max > 0 {
		q.Set("maxresults", strconv.Itoa(max))
	}
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	c, err := s.acct.blob(u.String())
	if err != nil {
		return nil, "", err
	}
	resp, err := c.DownloadStream(ctx, nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var page azBlobList
	if err := xml.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, "", fmt.Errorf("reading the List Blobs response: %w", err)
	}
	for _, b := range page.Blobs {
		name := b.Name.Content
		if b.Name.Encoded {
			if name, err = url.QueryUnescape(name); err != nil {
				return names, "", fmt.Errorf("reading the List Blobs response: %w", err)
			}
		}
		names = append(names, name)
	}
	return names, page.NextMarker, nil
}

func (s azStore) list(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	marker := ""
	for len(out) < 1000 {
		names, next, err := s.listPage(ctx, prefix, marker, 100)
		if err != nil {
			return out, err
		}
		out = append(out, names...)
		if marker = next; marker == "" {
			break
		}
	}
	return out, nil
}

func (s azStore) put(ctx context.Context, key string, data []byte) error {
	c, err := s.acct.blockBlob(s.acct.blobURL(s.container, key))
	if err != nil {
		return err
	}
	_, err = c.UploadBuffer(ctx, data, nil)
	return err
}

func (s azStore) download(ctx context.Context, key string) (blob.DownloadStreamResponse, error) {
	c, err := s.acct.blob(s.acct.blobURL(s.container, key))
	if err != nil {
		return blob.DownloadStreamResponse{}, err
	}
	return c.DownloadStream(ctx, nil)
}

func (s azStore) get(ctx context.Context, key string) ([]byte, error) {
	resp, err := s.download(ctx, key)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readAtMost(resp.Body, probeObjectSize)
}

func (s azStore) stat(ctx context.Context, key string) (int64, error) {
	c, err := s.acct.blob(s.acct.blobURL(s.container, key))
	if err != nil {
		return 0, err
	}
	props, err := c.GetProperties(ctx, nil)
	if err != nil {
		return 0, err
	}
	if props.ContentLength == nil {
		return 0, errors.New("no content length in the blob properties")
	}
	return *props.ContentLength, nil
}

func (s azStore) del(ctx context.Context, key string) error {
	c, err := s.acct.blob(s.acct.blobURL(s.container, key))
	if err != nil {
		return err
	}
	_, err = c.Delete(ctx, nil)
	return err
}

// classifyAzblobFull tells a bad signature apart from a permission problem:
// Azurite answers a wrong key with AuthorizationFailure where Azure says
// AuthenticationFailed, and both say "failed to authenticate".
func classifyAzblobFull(err error, sec string) (string, string) {
	var re *azcore.ResponseError
	if errors.As(err, &re) && strings.Contains(strings.ToLower(err.Error()), "failed to authenticate") {
		return ClassAuth, fmt.Sprintf("Azure rejected the signature: check %s.account_key and %s.account_name (or %s.sas_token)", sec, sec, sec)
	}
	return classifyAzblob(err, sec)
}

// ProbeAzblob checks an Azure Blob Storage container.
func ProbeAzblob(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		sec := t.Section
		if t.Addr == "" {
			r.at(sec+".type", sec)
			r.fail(ClassConfig, fmt.Sprintf("set %s.container", sec), `%s.type = "Azblob" but %s.container is not set: GreptimeDB fails to start`, sec, sec)
			return
		}
		c := readAzSettings(t.File, sec)
		if c.endpoint == "" {
			r.at(sec+".type", sec)
			r.fail(ClassConfig, fmt.Sprintf("set %s.endpoint, e.g. https://<account>.blob.core.windows.net", sec),
				"%s.endpoint is not set: GreptimeDB fails to start", sec)
			return
		}
		if c.u == nil {
			r.at(sec + ".endpoint")
			r.fail(ClassConfig, "write the endpoint as https://<account>.blob.core.windows.net", "%s.endpoint %q is not an http(s) URL", sec, probeDisplayAddr(c.endpoint))
			return
		}
		r.addSecrets(c.key, c.sas)
		timeout := clientTimeout(ctx)
		tr := probeHTTPTransport(timeout, c.skipVerify)
		defer tr.CloseIdleConnections() // see probeHTTPTransport
		ac, auth, err := c.client(tr, timeout)
		var ke *azKeyError
		switch {
		case errors.As(err, &ke):
			r.at(sec + ".account_key")
			r.fail(ClassConfig, fmt.Sprintf("%s.account_key must be the base64 account key from the Azure portal", sec), "%s.account_key is not a valid key: %s", sec, probeErrText(ke.err))
			return
		case errors.Is(err, errAzNoCredentials):
			r.at(sec+".account_name", sec+".account_key", sec+".type")
			r.fail(ClassConfig, fmt.Sprintf("set %s.account_name and %s.account_key, or %s.sas_token", sec, sec, sec),
				"%s has no credentials: account_name and account_key, or sas_token, are needed", sec)
			return
		case err != nil:
			r.failErr(err, classify, "cannot set up an Azure Blob client")
			return
		}
		keys := probeStoreKeys{sec: sec, notFound: []string{sec + ".container", sec + ".endpoint"},
			auth: []string{sec + ".account_key", sec + ".sas_token", sec + ".account_name"}, addr: []string{sec + ".endpoint"}}
		what := fmt.Sprintf("container %q at %s", t.Addr, c.u.Host)
		testObjectStore(ctx, r, azStore{acct: ac, container: t.Addr}, what, func(err error) (string, string) { return classifyAzblobFull(err, sec) }, keys)
		if r.res.Status != report.Fail {
			r.note("%s", auth)
		}
	})
}

// azSettings is an Azblob section.
type azSettings struct {
	endpoint          string   // as written, trimmed
	u                 *url.URL // the endpoint, nil unless an http(s) URL with a host
	account, key, sas string   // sas without its leading "?"
	skipVerify        bool
}

func readAzSettings(f *configs.File, sec string) azSettings {
	c := azSettings{
		endpoint:   strings.TrimSpace(probeString(f, sec+".endpoint", "")),
		account:    probeString(f, sec+".account_name", ""),
		key:        probeString(f, sec+".account_key", ""),
		sas:        strings.TrimPrefix(probeString(f, sec+".sas_token", ""), "?"),
		skipVerify: probeBool(f, sec+".http_client.skip_ssl_validation", false),
	}
	if u, err := url.Parse(c.endpoint); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		c.u = u
	}
	return c
}

// errAzNoCredentials: neither sas_token nor account_name and account_key.
var errAzNoCredentials = errors.New("no Azure Blob credentials")

// azKeyError is an account_key that is not a key (not base64). err never
// holds the key.
type azKeyError struct{ err error }

func (e *azKeyError) Error() string { return e.err.Error() }

// client builds the client over tr (c.u must be set), with a SAS token
// before the shared key, and returns which it used. Retries are off
// (MaxRetries -1): a refused endpoint must fail now, not after a backoff.
func (c azSettings) client(tr *http.Transport, tryTimeout time.Duration) (azAccount, string, error) {
	opts := &blob.ClientOptions{ClientOptions: azcore.ClientOptions{
		Retry:     policy.RetryOptions{MaxRetries: -1, TryTimeout: tryTimeout},
		Transport: &http.Client{Transport: capErrorBodies(tr)},
		Telemetry: policy.TelemetryOptions{Disabled: true},
	}}
	serviceURL := strings.TrimSuffix(c.u.String(), "/") + "/"
	switch {
	case c.sas != "":
		return azAccount{serviceURL: serviceURL + "?" + c.sas, opts: opts}, "SAS token", nil
	case c.account != "" && c.key != "":
		cred, err := blob.NewSharedKeyCredential(c.account, c.key)
		if err != nil {
			return azAccount{}, "", &azKeyError{err}
		}
		return azAccount{serviceURL: serviceURL, cred: cred, opts: opts}, "shared key", nil
	}
	return azAccount{}, "", errAzNoCredentials
}

// classifyAzblob recognises Azure Blob Storage error codes.
func classifyAzblob(err error, sec string) (string, string) {
	switch {
	case bloberror.HasCode(err, bloberror.ContainerNotFound, bloberror.ContainerBeingDeleted):
		return ClassNotFound, fmt.Sprintf("the container does not exist: create it or fix %s.container", sec)
	case bloberror.HasCode(err, bloberror.ResourceNotFound) && strings.Contains(err.Error(), "ResourceNotFound"):
		return ClassNotFound, fmt.Sprintf("the storage account or container was not found: check %s.endpoint and %s.container", sec, sec)
	case bloberror.HasCode(err, bloberror.AuthenticationFailed, bloberror.InvalidAuthenticationInfo, bloberror.NoAuthenticationInformation):
		return ClassAuth, fmt.Sprintf("Azure rejected the credentials: check %s.account_key and %s.account_name (or %s.sas_token, which may have expired)", sec, sec, sec)
	case bloberror.HasCode(err, bloberror.AuthorizationFailure, bloberror.AuthorizationPermissionMismatch,
		bloberror.InsufficientAccountPermissions, bloberror.AuthorizationResourceTypeMismatch, bloberror.AuthorizationSourceIPMismatch,
		bloberror.AuthorizationProtocolMismatch, bloberror.AuthorizationServiceMismatch):
		return ClassPermission, fmt.Sprintf("the credentials are valid but not allowed here: give the SAS token or role read, write, list and delete on %s.container", sec)
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		return ClassNotFound, "the blob does not exist"
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusForbidden:
			return ClassPermission, "Azure denied the request: check the key or SAS token and its permissions"
		case http.StatusNotFound:
			return ClassNotFound, fmt.Sprintf("not found: check %s.endpoint and %s.container", sec, sec)
		}
	}
	class, sug := classify(err)
	if class == ClassDNS || class == ClassRefused || class == ClassTimeout || class == ClassTLS {
		sug += fmt.Sprintf(" (%s.endpoint)", sec)
	}
	return class, sug
}

type azBenchStore struct {
	azStore
	tr *http.Transport
}

func (s azBenchStore) read(ctx context.Context, key string, buf []byte, first func()) (int64, error) {
	resp, err := s.download(ctx, key)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return drain(resp.Body, buf, first)
}

func (s azBenchStore) listOnce(ctx context.Context, prefix string, max int) (int, error) {
	names, _, err := s.listPage(ctx, prefix, "", max)
	return len(names), err
}

func (s azBenchStore) closeIdle() { s.tr.CloseIdleConnections() }

// newAzBenchStore builds the Azure Blob client the Azblob probe checked,
// over the benchmark's transport.
func newAzBenchStore(r *probeRun, workers int) (benchStore, string, error) {
	sec, perf := r.t.Section, r.t.Opts.Perf
	c := readAzSettings(r.t.File, sec)
	if c.u == nil {
		return nil, "", configErrorf("%s.endpoint is not an http(s) URL", sec)
	}
	r.addSecrets(c.key, c.sas)
	tr := benchTransport(perf.requestTimeout, c.skipVerify, workers)
	ac, _, err := c.client(tr, perf.requestTimeout)
	var ke *azKeyError
	if errors.As(err, &ke) {
		err = configErrorf("%s.account_key is not a valid key", sec)
	} else if errors.Is(err, errAzNoCredentials) {
		err = configErrorf("%s has no credentials", sec)
	}
	if err != nil {
		return nil, "", err
	}
	return azBenchStore{azStore{acct: ac, container: r.t.Addr}, tr}, fmt.Sprintf("container %q at %s", r.t.Addr, c.u.Host), nil
}

// BenchAzblob measures the container ProbeAzblob checked (see
// benchObjectStore).
func BenchAzblob(ctx context.Context, t Target) report.ProbeResult {
	classifier := func(err error) (string, string) { return classifyAzblobFull(err, t.Section) }
	return benchObjectStore(ctx, t, classifier, func(_ context.Context, r *probeRun, perf *PerfOptions) (objectBench, error) {
		st, what, err := newAzBenchStore(r, perf.Workers)
		return objectBench{st: st, what: what}, err
	})
}

// azblobErrText shortens an Azure error for probeErrText: its text spans
// dozens of lines (the whole response), and the code and status say it
// all.
func azblobErrText(err error) (string, bool) {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return "", false
	}
	msg := fmt.Sprintf("%s (HTTP %d)", re.ErrorCode, re.StatusCode)
	if re.RawResponse != nil && re.RawResponse.Request != nil {
		u := *re.RawResponse.Request.URL
		u.RawQuery, u.User = "", nil
		msg = fmt.Sprintf("%s %s: %s", re.RawResponse.Request.Method, u.String(), msg)
	}
	return msg, true
}
