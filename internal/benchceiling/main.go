// Command benchceiling measures the ceiling that stepstone's object store
// benchmark is compared with in scripts/bench-fidelity.sh: N workers doing
// nothing but PUT or GET of one object size with minio-go, the SDK
// stepstone uses, and no checks, no statistics, no budget. It prints one
// line: "put 10MiB 8 workers: 412.3 MiB/s (480 requests in 10.0s; 395.0
// MiB/s over the wall clock)".
//
// The rate is each worker's bytes over its own span, from the common start
// to its last completed request, summed, which is how stepstone counts
// too: bytes over the wall clock would also charge the ceiling for the
// requests still in flight when time is up, when fewer workers are busy.
//
//	go run ./internal/benchceiling -op put -endpoint 127.0.0.1:19000 \
//	    -access-key KEY -secret-key SECRET -bucket BUCKET
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	var (
		endpoint = flag.String("endpoint", "127.0.0.1:19000", "S3 endpoint host:port (plain HTTP)")
		access   = flag.String("access-key", "", "access key")
		secret   = flag.String("secret-key", "", "secret key")
		bucket   = flag.String("bucket", "", "bucket; created when missing")
		op       = flag.String("op", "put", "put or get")
		size     = flag.Int("size", 10<<20, "object size in bytes")
		workers  = flag.Int("workers", 8, "concurrent workers")
		duration = flag.Duration("duration", 10*time.Second, "how long to run")
	)
	flag.Parse()
	if err := run(*endpoint, *access, *secret, *bucket, *op, *size, *workers, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "benchceiling:", err)
		os.Exit(1)
	}
}

func run(endpoint, access, secret, bucket, op string, size, workers int, duration time.Duration) error {
	ctx := context.Background()
	c, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(access, secret, "")})
	if err != nil {
		return err
	}
	if ok, err := c.BucketExists(ctx, bucket); err != nil {
		return err
	} else if !ok {
		if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
			return err
		}
	}
	prefix := fmt.Sprintf("benchceiling-%d/", time.Now().UnixNano())
	defer func() {
		ch := make(chan minio.ObjectInfo)
		go func() {
			defer close(ch)
			for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
				ch <- o
			}
		}()
		for e := range c.RemoveObjects(ctx, bucket, ch, minio.RemoveObjectsOptions{}) {
			fmt.Fprintln(os.Stderr, "benchceiling: cleanup:", e.Err)
		}
	}()

	core := minio.Core{Client: c}
	payload := make([]byte, size)
	_, _ = rand.Read(payload)
	put := func(key string) error {
		_, err := c.PutObject(ctx, bucket, key, bytes.NewReader(payload), int64(size), minio.PutObjectOptions{})
		return err
	}
	// GET reads objects written beforehand, two per worker.
	var keys []string
	if op == "get" {
		for i := range 2 * workers {
			k := fmt.Sprintf("%sget-%d", prefix, i)
			if err := put(k); err != nil {
				return err
			}
			keys = append(keys, k)
		}
	}

	var total, n atomic.Int64
	var rate atomic.Uint64 // float64 bits of the summed per-worker rates
	var wg sync.WaitGroup
	var first atomic.Value
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			buf := make([]byte, 256<<10)
			var bytes int64
			last := start
			defer func() {
				if span := last.Sub(start).Seconds(); span > 0 {
					for {
						old := rate.Load()
						nv := math.Float64frombits(old) + float64(bytes)/span
						if rate.CompareAndSwap(old, math.Float64bits(nv)) {
							break
						}
					}
				}
			}()
			for i := 0; time.Since(start) < duration; i++ {
				var err error
				switch op {
				case "put":
					err = put(fmt.Sprintf("%sput-%d-%d", prefix, w, i))
				case "get":
					// Core.GetObject hands over the response body itself;
					// Client.GetObject's *Object adds a goroutine per
					// read, which makes a lower ceiling.
					var o io.ReadCloser
					if o, _, _, err = core.GetObject(ctx, bucket, keys[(w+i)%len(keys)], minio.GetObjectOptions{}); err == nil {
						// io.Copy to io.Discard would read 8 KiB at a time
						// (Discard's ReadFrom); a large buffer costs fewer
						// system calls.
						var k int64
						k, err = io.CopyBuffer(struct{ io.Writer }{io.Discard}, o, buf)
						o.Close()
						if err == nil && k != int64(size) {
							err = fmt.Errorf("short read: %d bytes", k)
						}
					}
				default:
					err = fmt.Errorf("unknown -op %q", op)
				}
				if err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
				bytes += int64(size)
				last = time.Now()
				total.Add(int64(size))
				n.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := first.Load().(error); err != nil {
		return err
	}
	fmt.Printf("%s %dMiB %d workers: %.1f MiB/s (%d requests in %.1fs; %.1f MiB/s over the wall clock)\n", op, size>>20, workers,
		math.Float64frombits(rate.Load())/(1<<20), n.Load(), elapsed.Seconds(), float64(total.Load())/(1<<20)/elapsed.Seconds())
	return nil
}
