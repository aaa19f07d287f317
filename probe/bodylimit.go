package probe

import (
	"fmt"
	"io"
	"net/http"
)

// probeObjectSize is the size of the object the storage probe writes; a
// read back never takes more than this and one byte.
const probeObjectSize = 4096

// maxErrorBody caps what an SDK may read of an error answer (status 300 or
// more): enough for any S3, Azure or GCS error document, and no more than
// that from a server that streams an endless body.
const maxErrorBody = 64 << 10

// readAtMost reads r to its end, but at most limit bytes: a server that
// answers with more than was written is a failure, not a reason to read on.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > limit {
		return b[:limit], fmt.Errorf("the server sent more than the %d bytes written", limit)
	}
	return b, nil
}

// capErrorBodies wraps rt so that the body of an answer with status 300 or
// more ends after maxErrorBody bytes: the SDKs read error bodies whole.
func capErrorBodies(rt http.RoundTripper) http.RoundTripper {
	return errorBodyCap{rt}
}

type errorBodyCap struct{ rt http.RoundTripper }

func (c errorBodyCap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err == nil && resp.StatusCode >= 300 && resp.Body != nil {
		resp.Body = limitedBody{io.LimitReader(resp.Body, maxErrorBody), resp.Body}
		if resp.ContentLength > maxErrorBody {
			resp.ContentLength = -1
		}
	}
	return resp, err
}

type limitedBody struct {
	io.Reader
	c io.Closer
}

func (b limitedBody) Close() error { return b.c.Close() }
