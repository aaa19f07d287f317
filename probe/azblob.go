package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/stepstone-dev/stepstone/report"
)

// azStore adapts the Azure Blob client to probeObjectStore.
type azStore struct {
	c         *azblob.Client
	container string
}

func (s azStore) list(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	max := int32(100)
	pager := s.c.NewListBlobsFlatPager(s.container, &container.ListBlobsFlatOptions{Prefix: &prefix, MaxResults: &max})
	for pager.More() && len(out) < 1000 {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return out, err
		}
		for _, b := range page.Segment.BlobItems {
			if b.Name != nil {
				out = append(out, *b.Name)
			}
		}
	}
	return out, nil
}

func (s azStore) put(ctx context.Context, key string, data []byte) error {
	_, err := s.c.UploadBuffer(ctx, s.container, key, data, nil)
	return err
}

func (s azStore) get(ctx context.Context, key string) ([]byte, error) {
	resp, err := s.c.DownloadStream(ctx, s.container, key, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readAtMost(resp.Body, probeObjectSize)
}

func (s azStore) stat(ctx context.Context, key string) (int64, error) {
	props, err := s.c.ServiceClient().NewContainerClient(s.container).NewBlobClient(key).GetProperties(ctx, nil)
	if err != nil {
		return 0, err
	}
	if props.ContentLength == nil {
		return 0, errors.New("no content length in the blob properties")
	}
	return *props.ContentLength, nil
}

func (s azStore) del(ctx context.Context, key string) error {
	_, err := s.c.DeleteBlob(ctx, s.container, key, nil)
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
		tr := probeHTTPTransport(t.Opts.Timeout, c.skipVerify)
		defer tr.CloseIdleConnections() // see probeHTTPTransport
		ac, auth, err := c.client(tr, t.Opts.Timeout)
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
		testObjectStore(ctx, r, azStore{c: ac, container: t.Addr}, what, func(err error) (string, string) { return classifyAzblobFull(err, sec) }, keys)
		if r.res.Status != report.Fail {
			r.note("%s", auth)
		}
	})
}
