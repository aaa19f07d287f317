package probe

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// s3Store adapts minio-go to probeObjectStore.
type s3Store struct {
	c      *minio.Client
	bucket string
}

func (s s3Store) list(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, MaxKeys: 100}) {
		if o.Err != nil {
			return out, o.Err
		}
		out = append(out, o.Key)
		if len(out) >= 1000 {
			break
		}
	}
	return out, nil
}

func (s s3Store) put(ctx context.Context, key string, data []byte) error {
	_, err := s.c.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream", DisableMultipart: true})
	return err
}

func (s s3Store) get(ctx context.Context, key string) ([]byte, error) {
	o, err := s.c.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return readAtMost(o, probeObjectSize)
}

func (s s3Store) stat(ctx context.Context, key string) (int64, error) {
	info, err := s.c.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	return info.Size, err
}

func (s s3Store) del(ctx context.Context, key string) error {
	return s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
}

// ProbeS3 checks an S3 bucket ([storage] type = "S3" or a provider).
func ProbeS3(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) { probeS3Compatible(ctx, r, false) })
}

func probeS3Compatible(ctx context.Context, r *probeRun, oss bool) {
	t, sec := r.t, r.t.Section
	typ := "S3"
	if oss {
		typ = "Oss"
	}
	if t.Addr == "" {
		r.at(sec+".type", sec)
		r.fail(ClassConfig, fmt.Sprintf("set %s.bucket", sec), "%s.type = %q but %s.bucket is not set: GreptimeDB fails to start", sec, typ, sec)
		return
	}
	c, endpointErr := resolveS3Settings(t.File, sec, oss)
	if !oss && c.region == "" {
		r.warn(fmt.Sprintf("set %s.region (or AWS_REGION for the datanode)", sec),
			"%s.region is not set and neither is AWS_REGION: GreptimeDB (OpenDAL) fails with \"region is missing\" unless an AWS profile gives one", sec)
	}
	if oss && c.endpoint == "" {
		r.at(sec+".type", sec)
		r.fail(ClassConfig, fmt.Sprintf("set %s.endpoint, e.g. https://oss-cn-hangzhou.aliyuncs.com", sec),
			"%s.endpoint is not set: OSS has no default endpoint", sec)
		return
	}
	if endpointErr != nil {
		r.at(sec + ".endpoint")
		r.failErr(endpointErr, classify, "cannot use %s.endpoint", sec)
		return
	}
	idKey, secKey := c.idKey, c.secKey
	r.addSecrets(c.secret)
	credDesc := "static keys"
	switch {
	case c.staticKeys():
	case c.id != "" || c.secret != "":
		r.at(idKey, secKey)
		r.fail(ClassConfig, fmt.Sprintf("set both %s and %s, or neither to use the default credential chain", idKey, secKey),
			"only one of %s and %s is set", idKey, secKey)
		return
	case oss:
		r.at(sec+".type", sec)
		r.fail(ClassConfig, fmt.Sprintf("set %s.access_key_id and %s.access_key_secret", sec, sec), "OSS needs access_key_id and access_key_secret in %s", sec)
		return
	default:
		credDesc = "default credential chain"
	}
	timeout := clientTimeout(ctx)
	tr := probeHTTPTransport(timeout, c.skipVerify)
	defer tr.CloseIdleConnections()
	mc, err := c.client(tr, timeout)
	if err != nil {
		r.at(sec + ".endpoint")
		r.failErr(err, classify, "cannot set up an S3 client for %s", c.host)
		return
	}
	keys := probeStoreKeys{sec: sec, notFound: []string{sec + ".bucket"}, auth: []string{secKey, idKey}, addr: []string{sec + ".endpoint"}}
	what := fmt.Sprintf("bucket %q at %s", t.Addr, c.host)
	classifier := func(err error) (string, string) { return classifyS3(err, sec, oss) }
	testObjectStore(ctx, r, s3Store{c: mc, bucket: t.Addr}, what, classifier, keys)
	if r.res.Status != report.Fail {
		r.note("%s, %s-style requests", credDesc, map[bool]string{true: "virtual-host", false: "path"}[c.lookup == minio.BucketLookupDNS])
	}
}

// s3Endpoint splits a configured endpoint into host and TLS use. No
// endpoint means AWS; no scheme means https, as OpenDAL assumes.
func s3Endpoint(raw, region string) (host string, secure bool, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if region != "" {
			return "s3." + region + ".amazonaws.com", true, nil
		}
		return "s3.amazonaws.com", true, nil
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false, configErrorf("endpoint %q is not a URL: %v", probeDisplayAddr(raw), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", false, configErrorf("endpoint %q has scheme %q; want http or https", probeDisplayAddr(raw), u.Scheme)
	}
	if u.Host == "" {
		return "", false, configErrorf("endpoint %q has no host", probeDisplayAddr(raw))
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		return "", false, configErrorf("endpoint %q has a path (%q); put the bucket in bucket and prefixes in root", probeDisplayAddr(raw), p)
	}
	return u.Host, u.Scheme == "https", nil
}

// probeFirstEnv returns the first non-empty environment variable of names.
func probeFirstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// s3Settings is an S3 or OSS section read as OpenDAL reads it.
type s3Settings struct {
	oss      bool
	endpoint string // as written
	// region is the config's, else AWS_REGION or AWS_DEFAULT_REGION; for
	// OSS it is derived from the endpoint's host.
	region        string
	host          string
	secure        bool
	idKey, secKey string // secret_access_key, or access_key_secret for OSS
	id, secret    string
	ec2Metadata   bool // IAM in the default chain: not disable_ec2_metadata
	lookup        minio.BucketLookupType
	skipVerify    bool // http_client.skip_ssl_validation
}

// resolveS3Settings reads section sec of f. An endpoint that cannot be used
// is the error; the rest of the settings are read all the same, for the
// probe's messages.
func resolveS3Settings(f *configs.File, sec string, oss bool) (s3Settings, error) {
	c := s3Settings{
		oss:         oss,
		endpoint:    probeString(f, sec+".endpoint", ""),
		idKey:       sec + ".access_key_id",
		secKey:      sec + ".secret_access_key",
		ec2Metadata: !probeBool(f, sec+".disable_ec2_metadata", false),
		lookup:      minio.BucketLookupPath,
		skipVerify:  probeBool(f, sec+".http_client.skip_ssl_validation", false),
	}
	if oss {
		c.secKey = sec + ".access_key_secret"
	}
	c.id, c.secret = probeString(f, c.idKey, ""), probeString(f, c.secKey, "")
	if !oss {
		if c.region = probeString(f, sec+".region", ""); c.region == "" {
			c.region = probeFirstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
		}
	}
	host, secure, err := s3Endpoint(c.endpoint, c.region)
	if err != nil {
		return c, err
	}
	c.host, c.secure = host, secure
	if oss {
		c.region = ossRegion(host)
	}
	if probeBool(f, sec+".enable_virtual_host_style", false) || (oss && strings.HasSuffix(strings.Split(host, ":")[0], "aliyuncs.com")) {
		// OSS's S3 API only serves virtual-hosted-style requests.
		c.lookup = minio.BucketLookupDNS
	}
	return c, nil
}

// staticKeys reports whether both keys are set; otherwise the client
// uses the default credential chain.
func (c s3Settings) staticKeys() bool { return c.id != "" && c.secret != "" }

// client builds the minio client over tr. iamTimeout bounds the instance
// metadata request of the default chain.
func (c s3Settings) client(tr http.RoundTripper, iamTimeout time.Duration) (*minio.Client, error) {
	var creds *credentials.Credentials
	if c.staticKeys() {
		creds = credentials.NewStaticV4(c.id, c.secret, "")
	} else {
		// Empty keys: OpenDAL falls back to env, profile and instance
		// metadata (IRSA/Pod Identity too); so does minio-go's chain.
		providers := []credentials.Provider{&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}}
		if c.ec2Metadata {
			providers = append(providers, &credentials.IAM{Client: &http.Client{Timeout: iamTimeout}})
		}
		creds = credentials.NewChainCredentials(providers)
	}
	// MaxRetries 1 is one attempt: a retry would hide a failed request
	// from the probe and double its latency in a benchmark.
	return minio.New(c.host, &minio.Options{Creds: creds, Secure: c.secure, Region: c.region, BucketLookup: c.lookup,
		Transport: capErrorBodies(tr), MaxRetries: 1})
}

// expectingRegion finds the region S3 says it expected, as in "the region
// 'eu-west-1' is wrong; expecting 'us-east-1'".
var expectingRegion = regexp.MustCompile(`expecting '([a-z0-9-]+)'`)

// classifyS3 recognises S3 error codes (AWS, MinIO, and Aliyun OSS through
// its S3-compatible API). sec is the config table, e.g. "storage" or
// "storage.providers[1]", so advice names the key to change.
func classifyS3(err error, sec string, oss bool) (string, string) {
	secretKey, regionHint := sec+".secret_access_key", "set "+sec+".region to the bucket's region"
	if oss {
		secretKey, regionHint = sec+".access_key_secret", "set "+sec+".endpoint to the bucket's region endpoint (oss-<region>.aliyuncs.com)"
	}
	er := minio.ToErrorResponse(err)
	if er.Region == "" {
		// MinIO and AWS name the right region in the message.
		if m := expectingRegion.FindStringSubmatch(er.Message); m != nil {
			er.Region = m[1]
		}
	}
	switch er.Code {
	case "NoSuchBucket":
		return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
	case "AccessDenied", "AllAccessDisabled", "AccountProblem":
		return ClassPermission, fmt.Sprintf("the credentials are valid but not allowed here: grant s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the bucket (and its %s.root prefix)", sec)
	case "InvalidAccessKeyId":
		return ClassAuth, fmt.Sprintf("the access key does not exist: fix %s.access_key_id", sec)
	case "SignatureDoesNotMatch":
		return ClassAuth, fmt.Sprintf("the secret does not match the access key: fix %s", secretKey)
	case "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
		return ClassAuth, "the session token expired or is invalid: refresh the credentials"
	case "AuthorizationHeaderMalformed", "AuthorizationQueryParametersError", "InvalidRegion":
		if er.Region != "" {
			return ClassConfig, fmt.Sprintf("the bucket lives in region %q: set %s.region = %q", er.Region, sec, er.Region)
		}
		return ClassConfig, "the request was signed for the wrong region: " + regionHint
	case "PermanentRedirect", "TemporaryRedirect", "IllegalLocationConstraintException":
		if er.Region != "" {
			return ClassConfig, fmt.Sprintf("the bucket lives in region %q: set %s.region = %q (and an endpoint in that region)", er.Region, sec, er.Region)
		}
		return ClassConfig, "the bucket lives in another region: " + regionHint
	case "InvalidBucketName":
		return ClassConfig, fmt.Sprintf("the bucket name is not valid: fix %s.bucket", sec)
	case "NoSuchKey":
		return ClassNotFound, "the object does not exist"
	case "SlowDown", "ServiceUnavailable", "InternalError":
		return ClassUnhealthy, "the object store is overloaded or failing; try again"
	case "":
	default:
		if er.StatusCode == http.StatusForbidden {
			return ClassPermission, fmt.Sprintf("the object store denied the request (%s)", er.Code)
		}
	}
	switch er.StatusCode {
	case http.StatusMovedPermanently:
		return ClassConfig, "the bucket lives in another region: " + regionHint
	case http.StatusForbidden:
		return ClassPermission, "the object store denied the request: check the credentials and the bucket policy"
	case http.StatusNotFound:
		return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
	}
	class, sug := classify(err)
	if class == ClassDNS || class == ClassRefused || class == ClassTimeout || class == ClassTLS {
		sug += fmt.Sprintf(" (%s.endpoint)", sec)
	}
	return class, sug
}

type s3BenchStore struct {
	s3Store
	tr *http.Transport
}

func (s s3BenchStore) read(ctx context.Context, key string, buf []byte, first func()) (int64, error) {
	// Core.GetObject returns the response body itself: no read-ahead
	// goroutine between the worker and the socket.
	rc, _, _, err := minio.Core{Client: s.c}.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return drain(rc, buf, first)
}

func (s s3BenchStore) listOnce(ctx context.Context, prefix string, max int) (int, error) {
	n := 0
	// The iterator asks for the next page only when the loop goes on, so
	// stopping at max keeps this to one request.
	for o := range s.c.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, MaxKeys: max}) {
		if o.Err != nil {
			return n, o.Err
		}
		if n++; n >= max {
			break
		}
	}
	return n, nil
}

func (s s3BenchStore) delMany(ctx context.Context, keys []string) error {
	ch := make(chan minio.ObjectInfo, len(keys))
	for _, k := range keys {
		ch <- minio.ObjectInfo{Key: k}
	}
	close(ch)
	var first error
	for e := range s.c.RemoveObjects(ctx, s.bucket, ch, minio.RemoveObjectsOptions{}) {
		if first == nil {
			first = e.Err
		}
	}
	return first
}

func (s s3BenchStore) closeIdle() { s.tr.CloseIdleConnections() }

// newS3BenchStore builds the S3 (or OSS) client the S3 probe checked,
// over the benchmark's transport. The probe ran first and reported any
// config problem, so this only says what failed.
func newS3BenchStore(r *probeRun, oss bool, workers int) (benchStore, string, error) {
	perf := r.t.Opts.Perf
	c, err := resolveS3Settings(r.t.File, r.t.Section, oss)
	if err != nil {
		return nil, "", err
	}
	r.addSecrets(c.secret)
	tr := benchTransport(perf.requestTimeout, c.skipVerify, workers)
	mc, err := c.client(tr, perf.requestTimeout)
	if err != nil {
		return nil, "", err
	}
	return s3BenchStore{s3Store{c: mc, bucket: r.t.Addr}, tr}, fmt.Sprintf("bucket %q at %s", r.t.Addr, c.host), nil
}

// BenchS3 measures the bucket ProbeS3 checked (see benchObjectStore).
func BenchS3(ctx context.Context, t Target) report.ProbeResult {
	return benchS3Compatible(ctx, t, false)
}

// benchS3Compatible is BenchS3, or with oss BenchOSS.
func benchS3Compatible(ctx context.Context, t Target, oss bool) report.ProbeResult {
	classifier := func(err error) (string, string) { return classifyS3(err, t.Section, oss) }
	return benchObjectStore(ctx, t, classifier, func(_ context.Context, r *probeRun, perf *PerfOptions) (objectBench, error) {
		st, what, err := newS3BenchStore(r, oss, perf.Workers)
		return objectBench{st: st, what: what}, err
	})
}
