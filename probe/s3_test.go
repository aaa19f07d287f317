package probe

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// probeTestBucket is the bucket (and container) the object store tests
// use; the leftovers test lists its .stepstone/ prefix.
const probeTestBucket = "stepstone-probe-test"

// minioBucket makes sure the test bucket exists and returns a client.
func minioBucket(t *testing.T, s3 testenv.S3Server) *minio.Client {
	t.Helper()
	c, err := minio.New(s3.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s3.AccessKey, s3.SecretKey, ""), Region: s3.Region})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ok, err := c.BucketExists(ctx, probeTestBucket)
	if err != nil {
		t.Fatalf("MinIO: %v", err)
	}
	if !ok {
		if err := c.MakeBucket(ctx, probeTestBucket, minio.MakeBucketOptions{Region: s3.Region}); err != nil {
			t.Fatalf("MinIO: create bucket: %v", err)
		}
	}
	return c
}

// minioObjects lists object names under prefix in the test bucket.
func minioObjects(t *testing.T, c *minio.Client, prefix string) []string {
	t.Helper()
	var out []string
	for o := range c.ListObjects(context.Background(), probeTestBucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("MinIO list: %v", o.Err)
		}
		out = append(out, o.Key)
	}
	return out
}

func s3Conf(endpoint, bucket, region, id, secret, extra string) string {
	return fmt.Sprintf(`node_id = 1
[storage]
type = "S3"
bucket = %q
root = "probe-test"
endpoint = %q
region = %q
access_key_id = %q
secret_access_key = %q
%s`, bucket, endpoint, region, id, secret, extra)
}

func TestProbeS3(t *testing.T) {
	s3 := testenv.MinIO(t)
	c := minioBucket(t, s3)
	ep := s3.URL()
	const wrong = "Wr0ng-s3-Secret-Key"
	runProbeCases(t, "datanode.toml", "s3 bucket", []probeCase{
		{name: "works", conf: s3Conf(ep, probeTestBucket, s3.Region, s3.AccessKey, s3.SecretKey, ""), status: report.Pass, key: "storage.bucket", msg: "put, get, list, stat and delete"},
		{name: "read-only", conf: s3Conf(ep, probeTestBucket, s3.Region, s3.AccessKey, s3.SecretKey, ""), readOnly: true, status: report.Pass, key: "storage.bucket", msg: "read-only"},
		{name: "wrong secret", conf: s3Conf(ep, probeTestBucket, s3.Region, s3.AccessKey, wrong, ""), status: report.Fail, class: ClassAuth, key: "storage.secret_access_key"},
		{name: "unknown access key", conf: s3Conf(ep, probeTestBucket, s3.Region, "stepstone-unknown-access-key", s3.SecretKey, ""), status: report.Fail, class: ClassAuth, key: "storage.access_key_id"},
		{name: "missing bucket", conf: s3Conf(ep, "stepstone-no-such-bucket", s3.Region, s3.AccessKey, s3.SecretKey, ""), status: report.Fail, class: ClassNotFound, key: "storage.bucket"},
		{name: "refused", conf: s3Conf("http://"+testenv.RefusedAddr(t), probeTestBucket, s3.Region, s3.AccessKey, s3.SecretKey, ""), status: report.Fail, class: ClassRefused, key: "storage.endpoint"},
		{name: "https to a plain port", conf: s3Conf("https://"+s3.Endpoint, probeTestBucket, s3.Region, s3.AccessKey, s3.SecretKey, ""), status: report.Fail, class: ClassTLS, key: "storage.endpoint"},
		{name: "only one key", conf: s3Conf(ep, probeTestBucket, s3.Region, s3.AccessKey, "", ""), status: report.Fail, class: ClassConfig, key: "storage.access_key_id"},
	}, s3.SecretKey, wrong)
	if left := minioObjects(t, c, "probe-test/.stepstone/"); len(left) > 0 {
		t.Errorf("objects left behind: %q", left)
	}
}

func TestProbeS3WrongRegion(t *testing.T) {
	// The shared MinIO runs without MINIO_SITE_REGION and then accepts a
	// request signed for any region, so the probe says it works; should
	// scripts/testenv.sh set a region, it must fail as below.
	s3 := testenv.MinIO(t)
	minioBucket(t, s3)
	conf := s3Conf(s3.URL(), probeTestBucket, "eu-west-1", s3.AccessKey, s3.SecretKey, "")
	rs := runFile(t, loadTestConfig(t, "datanode.toml", conf), probeOpts())
	if r := resultNamed(t, rs, "s3 bucket"); r.Status == report.Pass {
		wantResult(t, r, report.Pass, "", "storage.bucket", 0)
	} else {
		wantResult(t, r, report.Fail, ClassConfig, "storage.region", lineOf(t, conf, "region ="))
	}

	// A MinIO with its region set, as AWS, rejects the request with
	// AuthorizationHeaderMalformed and names the region it expects.
	regional := startRegionalMinIO(t, s3, "us-east-1")
	conf = s3Conf(regional.URL(), probeTestBucket, "eu-west-1", s3.AccessKey, s3.SecretKey, "")
	rs = runFile(t, loadTestConfig(t, "datanode.toml", conf), probeOpts())
	r := resultNamed(t, rs, "s3 bucket")
	wantResult(t, r, report.Fail, ClassConfig, "storage.region", lineOf(t, conf, "region ="))
	if !strings.Contains(r.Suggestion, `"us-east-1"`) {
		t.Errorf("the suggestion should name the right region: %s", r.Suggestion)
	}
	noSecrets(t, rs, s3.SecretKey)
}

func TestProbeS3Provider(t *testing.T) {
	s3 := testenv.MinIO(t)
	minioBucket(t, s3)
	conf := fmt.Sprintf(`node_id = 1
[storage]
type = "File"
data_home = %q

[[storage.providers]]
name = "first"
type = "S3"
bucket = "stepstone-no-such-bucket"
endpoint = %q
region = %q
access_key_id = %q
secret_access_key = %q

[[storage.providers]]
name = "oss"
type = "Oss"
bucket = %q
root = "oss-test"
endpoint = %q
access_key_id = %q
access_key_secret = %q
`, t.TempDir(), s3.URL(), s3.Region, s3.AccessKey, s3.SecretKey, probeTestBucket, s3.URL(), s3.AccessKey, s3.SecretKey)
	rs := runFile(t, loadTestConfig(t, "datanode.toml", conf), probeOpts())
	r := resultNamed(t, rs, "s3 bucket")
	wantResult(t, r, report.Fail, ClassNotFound, "storage.providers[0].bucket", lineOf(t, conf, `"stepstone-no-such-bucket"`))
	if !strings.Contains(r.Suggestion, "storage.providers[0].bucket") {
		t.Errorf("the suggestion should name the provider's key: %s", r.Suggestion)
	}
	// Aliyun OSS is reached through its S3-compatible API; MinIO stands in.
	wantResult(t, resultNamed(t, rs, "oss bucket"), report.Pass, "", "storage.providers[1].bucket", lineOf(t, conf, "bucket = \""+probeTestBucket))
	wantResult(t, resultNamed(t, rs, "data_home"), report.Pass, "", "storage.data_home", 4)
	noSecrets(t, rs, s3.SecretKey)
}

func TestProbeS3Timeout(t *testing.T) {
	conf := s3Conf("http://"+testenv.BlackholeAddr(t), probeTestBucket, "us-east-1", "id", "Secret-Key-Value", "")
	opts := probeOpts()
	opts.Timeout = 2e9
	rs := runFile(t, loadTestConfig(t, "datanode.toml", conf), opts)
	wantResult(t, resultNamed(t, rs, "s3 bucket"), report.Fail, ClassTimeout, "storage.endpoint", lineOf(t, conf, "endpoint ="))
}

func TestProbeS3InterruptedWrite(t *testing.T) {
	s3 := testenv.MinIO(t)
	c := minioBucket(t, s3)
	f := loadTestConfig(t, "datanode.toml", s3Conf(s3.URL(), probeTestBucket, s3.Region, s3.AccessKey, s3.SecretKey, ""))
	opts := probeOpts()
	runInterrupted(t, f, "s3", "s3 bucket", opts)
	if left := minioObjects(t, c, "probe-test/.stepstone/"+opts.RunID); len(left) > 0 {
		t.Errorf("an interrupted run left objects: %q", left)
	}
}
