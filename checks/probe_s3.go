package checks

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

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
	return io.ReadAll(o)
}

func (s s3Store) stat(ctx context.Context, key string) (int64, error) {
	info, err := s.c.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	return info.Size, err
}

func (s s3Store) del(ctx context.Context, key string) error {
	return s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
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

// probeHTTPTransport is the transport for object store clients: bounded dials
// and [storage.http_client] skip_ssl_validation. Each probe makes its own
// and must CloseIdleConnections when done: an idle keep-alive connection
// otherwise holds a goroutine pair and a file descriptor for
// IdleConnTimeout after the probe, and a run over 1,000 endpoints would
// hold 1,000 of them.
func probeHTTPTransport(timeout time.Duration, skipVerify bool) *http.Transport {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify}, //nolint:gosec // mirrors skip_ssl_validation
		ForceAttemptHTTP2:     true,
	}
}

// ProbeS3 checks an S3 bucket ([storage] type = "S3" or a provider).
func ProbeS3(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) { probeS3Compatible(ctx, r, false) })
}

// ProbeOSS checks an Aliyun OSS bucket through OSS's S3-compatible API.
func ProbeOSS(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) { probeS3Compatible(ctx, r, true) })
}

// ossRegion derives the signing region from an OSS endpoint such as
// https://oss-cn-hangzhou.aliyuncs.com (region "oss-cn-hangzhou"), which
// is what OSS's S3-compatible API expects.
func ossRegion(host string) string {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	first, _, _ := strings.Cut(h, ".")
	if strings.HasPrefix(first, "oss-") {
		return strings.TrimSuffix(first, "-internal")
	}
	return "us-east-1"
}

func probeS3Compatible(ctx context.Context, r *probeRun, oss bool) {
	t, f, sec := r.t, r.t.File, r.t.Section
	typ, secretKey := "S3", sec+".secret_access_key"
	if oss {
		typ, secretKey = "Oss", sec+".access_key_secret"
	}
	if t.Addr == "" {
		r.at(sec+".type", sec)
		r.fail(ClassConfig, fmt.Sprintf("set %s.bucket", sec), "%s.type = %q but %s.bucket is not set: GreptimeDB fails to start", sec, typ, sec)
		return
	}
	region := ""
	if !oss {
		region = probeString(f, sec+".region", "")
		if region == "" {
			region = probeFirstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
			if region == "" {
				r.warn(fmt.Sprintf("set %s.region (or AWS_REGION for the datanode)", sec),
					"%s.region is not set and neither is AWS_REGION: GreptimeDB (OpenDAL) fails with \"region is missing\" unless an AWS profile gives one", sec)
			}
		}
	}
	endpoint := probeString(f, sec+".endpoint", "")
	if oss && endpoint == "" {
		r.at(sec+".type", sec)
		r.fail(ClassConfig, fmt.Sprintf("set %s.endpoint, e.g. https://oss-cn-hangzhou.aliyuncs.com", sec),
			"%s.endpoint is not set: OSS has no default endpoint", sec)
		return
	}
	host, secure, err := s3Endpoint(endpoint, region)
	if err != nil {
		r.at(sec + ".endpoint")
		r.failErr(err, classify, "cannot use %s.endpoint", sec)
		return
	}
	if oss {
		region = ossRegion(host)
	}
	idKey, secKey := sec+".access_key_id", secretKey
	id, secret := probeString(f, idKey, ""), probeString(f, secKey, "")
	r.addSecrets(secret)
	var creds *credentials.Credentials
	credDesc := "static keys"
	switch {
	case id != "" && secret != "":
		creds = credentials.NewStaticV4(id, secret, "")
	case id != "" || secret != "":
		r.at(idKey, secKey)
		r.fail(ClassConfig, fmt.Sprintf("set both %s and %s, or neither to use the default credential chain", idKey, secKey),
			"only one of %s and %s is set", idKey, secKey)
		return
	case oss:
		r.at(sec+".type", sec)
		r.fail(ClassConfig, fmt.Sprintf("set %s.access_key_id and %s.access_key_secret", sec, sec), "OSS needs access_key_id and access_key_secret in %s", sec)
		return
	default:
		// Empty keys: OpenDAL falls back to env, profile and instance
		// metadata (IRSA/Pod Identity too); so does minio-go's chain.
		providers := []credentials.Provider{&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}}
		if !probeBool(f, sec+".disable_ec2_metadata", false) {
			providers = append(providers, &credentials.IAM{Client: &http.Client{Timeout: t.Opts.Timeout}})
		}
		creds = credentials.NewChainCredentials(providers)
		credDesc = "default credential chain"
	}
	lookup := minio.BucketLookupPath
	if probeBool(f, sec+".enable_virtual_host_style", false) || (oss && strings.HasSuffix(strings.Split(host, ":")[0], "aliyuncs.com")) {
		// OSS's S3 API only serves virtual-hosted-style requests.
		lookup = minio.BucketLookupDNS
	}
	skip := probeBool(f, sec+".http_client.skip_ssl_validation", false)
	tr := probeHTTPTransport(t.Opts.Timeout, skip)
	defer tr.CloseIdleConnections()
	c, err := minio.New(host, &minio.Options{
		Creds: creds, Secure: secure, Region: region, BucketLookup: lookup,
		Transport: tr, MaxRetries: 1,
	})
	if err != nil {
		r.at(sec + ".endpoint")
		r.failErr(err, classify, "cannot set up an S3 client for %s", host)
		return
	}
	keys := probeStoreKeys{sec: sec, notFound: []string{sec + ".bucket"}, auth: []string{secKey, idKey}, addr: []string{sec + ".endpoint"}}
	what := fmt.Sprintf("bucket %q at %s", t.Addr, host)
	classifier := func(err error) (string, string) { return classifyS3(err, sec, oss) }
	testObjectStore(ctx, r, s3Store{c: c, bucket: t.Addr}, what, classifier, keys)
	if r.res.Status != report.Fail {
		r.note("%s, %s-style requests", credDesc, map[bool]string{true: "virtual-host", false: "path"}[lookup == minio.BucketLookupDNS])
	}
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
