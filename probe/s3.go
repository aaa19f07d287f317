package probe

import (
	"bytes"
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"

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

// ProbeOSS checks an Aliyun OSS bucket through OSS's S3-compatible API.
func ProbeOSS(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) { probeS3Compatible(ctx, r, true) })
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
	tr := probeHTTPTransport(t.Opts.Timeout, c.skipVerify)
	defer tr.CloseIdleConnections()
	mc, err := c.client(tr, t.Opts.Timeout)
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
