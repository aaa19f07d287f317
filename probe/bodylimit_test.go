package probe

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// countingTransport counts the body bytes the client really read.
type countingTransport struct {
	rt http.RoundTripper
	n  *atomic.Int64
}

func (c countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err == nil {
		resp.Body = countingBody{resp.Body, c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	k, err := b.ReadCloser.Read(p)
	b.n.Add(int64(k))
	return k, err
}

// TestProbeReadIsBounded: a store answering the probe's 4 KiB read-back, or
// an error, with a huge body costs at most what was written (or 64 KiB of
// error) to read (issue 14: an endless body cost about 1 GB in one probe).
func TestProbeReadIsBounded(t *testing.T) {
	const huge = 32 << 20
	for _, status := range []int{http.StatusOK, http.StatusInternalServerError} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(huge))
				w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
				w.Header().Set("ETag", `"x"`)
				w.WriteHeader(status)
				chunk := bytes.Repeat([]byte("a"), 64<<10)
				for sent := 0; sent < huge; sent += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			}))
			defer srv.Close()
			var n atomic.Int64
			tr := probeHTTPTransport(5*time.Second, false)
			defer tr.CloseIdleConnections()
			c, err := minio.New(strings.TrimPrefix(srv.URL, "http://"), &minio.Options{
				Creds: credentials.NewStaticV4("k", "s", ""), Region: "us-east-1", MaxRetries: 1,
				Transport: capErrorBodies(countingTransport{tr, &n}),
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s3Store{c: c, bucket: "bucket"}.get(context.Background(), "probe.bin")
			if err == nil {
				t.Errorf("a %d MiB answer to a %d-byte object was accepted", huge>>20, probeObjectSize)
			}
			if got := n.Load(); got > maxErrorBody+probeObjectSize+32<<10 {
				t.Errorf("read %d bytes of the answer", got)
			}
		})
	}
}
