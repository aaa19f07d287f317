package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	gcsapi "google.golang.org/api/storage/v1"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// fakeGCSBucket makes sure the test bucket exists in fake-gcs-server and
// returns a store over it.
func fakeGCSBucket(t *testing.T, g testenv.GCSServer) gcsStore {
	t.Helper()
	svc, err := gcsapi.NewService(context.Background(), option.WithEndpoint(strings.TrimSuffix(g.Endpoint, "/")+"/storage/v1/"),
		option.WithoutAuthentication(), option.WithHTTPClient(http.DefaultClient))
	if err != nil {
		t.Fatal(err)
	}
	var ge *googleapi.Error
	if _, err := svc.Buckets.Get(probeTestBucket).Do(); errors.As(err, &ge) && ge.Code == http.StatusNotFound {
		if _, err := svc.Buckets.Insert("stepstone-test", &gcsapi.Bucket{Name: probeTestBucket}).Do(); err != nil {
			t.Fatalf("fake-gcs-server: create bucket: %v", err)
		}
	} else if err != nil {
		t.Fatalf("fake-gcs-server: %v", err)
	}
	return gcsStore{svc: svc, bucket: probeTestBucket}
}

// fakeGCSObjects lists object names under prefix in the test bucket.
func fakeGCSObjects(t *testing.T, st gcsStore, prefix string) []string {
	t.Helper()
	var out []string
	err := st.svc.Objects.List(st.bucket).Prefix(prefix).Pages(context.Background(), func(o *gcsapi.Objects) error {
		for _, it := range o.Items {
			out = append(out, it.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("fake-gcs-server list: %v", err)
	}
	return out
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
