package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	gcs "cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// fakeGCSBucket makes sure the test bucket exists in fake-gcs-server.
func fakeGCSBucket(t *testing.T, g testenv.GCSServer) *gcs.Client {
	t.Helper()
	c, err := gcs.NewClient(context.Background(), option.WithEndpoint(strings.TrimSuffix(g.Endpoint, "/")+"/storage/v1/"),
		option.WithoutAuthentication(), option.WithHTTPClient(http.DefaultClient), gcs.WithJSONReads())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Bucket(probeTestBucket).Attrs(context.Background()); errors.Is(err, gcs.ErrBucketNotExist) {
		if err := c.Bucket(probeTestBucket).Create(context.Background(), "stepstone-test", nil); err != nil {
			t.Fatalf("fake-gcs-server: create bucket: %v", err)
		}
	} else if err != nil {
		t.Fatalf("fake-gcs-server: %v", err)
	}
	return c
}

// fakeGCSObjects lists object names under prefix in the test bucket.
func fakeGCSObjects(t *testing.T, c *gcs.Client, prefix string) []string {
	t.Helper()
	var out []string
	it := c.Bucket(probeTestBucket).Objects(context.Background(), &gcs.Query{Prefix: prefix})
	for {
		o, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out
		}
		if err != nil {
			t.Fatalf("fake-gcs-server list: %v", err)
		}
		out = append(out, o.Name)
	}
}

func gcsConf(endpoint, bucket, extra string) string {
	return fmt.Sprintf(`node_id = 1
[storage]
type = "Gcs"
bucket = %q
root = "probe-test"
endpoint = %q
%s`, bucket, endpoint, extra)
}

func TestProbeGCS(t *testing.T) {
	g := testenv.FakeGCS(t)
	c := fakeGCSBucket(t, g)
	runProbeCases(t, "datanode.toml", "gcs bucket", []probeCase{
		{name: "works", conf: gcsConf(g.Endpoint, probeTestBucket, ""), status: report.Pass, key: "storage.bucket", msg: "put, get, list, stat and delete"},
		{name: "read-only", conf: gcsConf(g.Endpoint, probeTestBucket, ""), readOnly: true, status: report.Pass, key: "storage.bucket", msg: "read-only"},
		{name: "missing bucket", conf: gcsConf(g.Endpoint, "stepstone-no-such-bucket", ""), status: report.Fail, class: ClassNotFound, key: "storage.bucket"},
		{name: "credential not base64", conf: gcsConf(g.Endpoint, probeTestBucket, "credential = \"{not base64}\"\n"), status: report.Fail, class: ClassConfig, key: "storage.credential"},
		{name: "refused", conf: gcsConf("http://"+testenv.RefusedAddr(t), probeTestBucket, ""), status: report.Fail, class: ClassRefused, key: "storage.endpoint"},
	}, "{not base64}")
	if left := fakeGCSObjects(t, c, "probe-test/.stepstone/"); len(left) > 0 {
		t.Errorf("objects left behind: %q", left)
	}
}
