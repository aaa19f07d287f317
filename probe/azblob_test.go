package probe

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// azuriteContainer makes sure the test container exists in Azurite.
func azuriteContainer(t *testing.T, az testenv.AzuriteServer) *azblob.Client {
	t.Helper()
	cred, err := azblob.NewSharedKeyCredential(az.Account, az.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := azblob.NewClientWithSharedKeyCredential(strings.TrimSuffix(az.Endpoint, "/")+"/", cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateContainer(context.Background(), probeTestBucket, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		t.Fatalf("Azurite: create container: %v", err)
	}
	return c
}

// azuriteStore is the probe's store over the test container.
func azuriteStore(t *testing.T, az testenv.AzuriteServer) azStore {
	t.Helper()
	azuriteContainer(t, az)
	u, err := url.Parse(az.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := azSettings{endpoint: az.Endpoint, u: u, account: az.Account, key: az.Key}.client(http.DefaultTransport.(*http.Transport), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return azStore{acct: acct, container: probeTestBucket}
}

// azuriteBlobs lists blob names under prefix in the test container.
func azuriteBlobs(t *testing.T, c *azblob.Client, prefix string) []string {
	t.Helper()
	var out []string
	pager := c.NewListBlobsFlatPager(probeTestBucket, &container.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatalf("Azurite list: %v", err)
		}
		for _, b := range page.Segment.BlobItems {
			out = append(out, *b.Name)
		}
	}
	return out
}

func azConf(endpoint, containerName, account, key string) string {
	return fmt.Sprintf(`node_id = 1
[storage]
type = "Azblob"
container = %q
root = "probe-test"
endpoint = %q
account_name = %q
account_key = %q
`, containerName, endpoint, account, key)
}

func TestProbeAzblob(t *testing.T) {
	az := testenv.Azurite(t)
	c := azuriteContainer(t, az)
	// A well-formed key that is not the account's.
	wrongKey := "V3JvbmdBenVyZUtleVdyb25nQXp1cmVLZXlXcm9uZ0F6dXJlS2V5V3JvbmdBenVyZUtleQ=="
	runProbeCases(t, "datanode.toml", "azblob container", []probeCase{
		{name: "works", conf: azConf(az.Endpoint, probeTestBucket, az.Account, az.Key), status: report.Pass, key: "storage.container", msg: "put, get, list, stat and delete"},
		{name: "read-only", conf: azConf(az.Endpoint, probeTestBucket, az.Account, az.Key), readOnly: true, status: report.Pass, key: "storage.container", msg: "read-only"},
		{name: "missing container", conf: azConf(az.Endpoint, "stepstone-no-such-container", az.Account, az.Key), status: report.Fail, class: ClassNotFound, key: "storage.container"},
		{name: "wrong key", conf: azConf(az.Endpoint, probeTestBucket, az.Account, wrongKey), status: report.Fail, class: ClassAuth, key: "storage.account_key"},
		{name: "key not base64", conf: azConf(az.Endpoint, probeTestBucket, az.Account, "not base64!"), status: report.Fail, class: ClassConfig, key: "storage.account_key"},
		{name: "refused", conf: azConf("http://"+testenv.RefusedAddr(t)+"/devstoreaccount1", probeTestBucket, az.Account, az.Key), status: report.Fail, class: ClassRefused, key: "storage.endpoint"},
	}, az.Key, wrongKey)
	if left := azuriteBlobs(t, c, "probe-test/.stepstone/"); len(left) > 0 {
		t.Errorf("blobs left behind: %q", left)
	}
}

// TestAzStoreListNames checks the hand-made List Blobs request against
// Azurite: names that need escaping in the URL and in XML come back as
// written, and a listing spans pages.
func TestAzStoreListNames(t *testing.T) {
	st := azuriteStore(t, testenv.Azurite(t))
	ctx := context.Background()
	prefix := "probe-test/names-" + NewRunID() + "/"
	names := []string{prefix + "a b", prefix + "100%", prefix + "ü/x?y#z", prefix + "tab\there", prefix + "amp&lt"}
	for i := 0; i < 103; i++ {
		names = append(names, fmt.Sprintf("%spage/%03d", prefix, i))
	}
	t.Cleanup(func() {
		for _, n := range names {
			_ = st.del(ctx, n)
		}
	})
	for _, n := range names {
		if err := st.put(ctx, n, []byte("x")); err != nil {
			t.Fatalf("put %q: %v", n, err)
		}
	}
	got, err := st.list(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string(nil), names...)
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("list = %q, want %q", got, want)
	}
	if n, err := (azBenchStore{azStore: st}).listOnce(ctx, prefix+"page/", 100); err != nil || n != 100 {
		t.Errorf("listOnce = %d, %v; want 100", n, err)
	}
}

// TestProbeAzblobSAS checks the SAS token path against Azurite: the
// token's query and the List Blobs query travel together.
func TestProbeAzblobSAS(t *testing.T) {
	az := testenv.Azurite(t)
	azuriteContainer(t, az)
	cred, err := azblob.NewSharedKeyCredential(az.Account, az.Key)
	if err != nil {
		t.Fatal(err)
	}
	perms := sas.ContainerPermissions{Read: true, Add: true, Create: true, Write: true, Delete: true, List: true}
	qp, err := sas.BlobSignatureValues{Protocol: sas.ProtocolHTTPSandHTTP, ExpiryTime: time.Now().Add(time.Hour).UTC(),
		ContainerName: probeTestBucket, Permissions: perms.String()}.SignWithSharedKey(cred)
	if err != nil {
		t.Fatal(err)
	}
	token := qp.Encode()
	conf := fmt.Sprintf(`node_id = 1
[storage]
type = "Azblob"
container = %q
root = "probe-test"
endpoint = %q
sas_token = %q
`, probeTestBucket, az.Endpoint, "?"+token)
	runProbeCases(t, "datanode.toml", "azblob container", []probeCase{
		{name: "works", conf: conf, status: report.Pass, key: "storage.container", msg: "SAS token"},
		{name: "read-only", conf: conf, readOnly: true, status: report.Pass, key: "storage.container", msg: "read-only"},
	}, token, az.Key)
}
