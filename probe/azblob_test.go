package probe

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

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
