package probe

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/stepstone-dev/stepstone/internal/testenv"
)

// minioBinary is the MinIO server scripts/testenv.sh builds and caches.
func minioBinary(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("STEPSTONE_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "stepstone")
	}
	bin := filepath.Join(cache, "bin", "minio")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the MinIO binary %s is missing: build it with ./scripts/testenv.sh up", bin)
	}
	return bin
}

// startRegionalMinIO starts a second, private MinIO with its site region
// set (the shared one has none and accepts any region) and creates the
// test bucket. The process is killed by pid at cleanup.
func startRegionalMinIO(t *testing.T, shared testenv.S3Server, region string) testenv.S3Server {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	console := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cmd := exec.Command(minioBinary(t), "server", "--quiet", "--address", addr, "--console-address", console, t.TempDir())
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+shared.AccessKey, "MINIO_ROOT_PASSWORD="+shared.SecretKey,
		"MINIO_SITE_REGION="+region, "MINIO_UPDATE=off", "MINIO_BROWSER=off")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start MinIO: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the regional MinIO on %s did not become ready", addr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	s := testenv.S3Server{Endpoint: addr, AccessKey: shared.AccessKey, SecretKey: shared.SecretKey, Region: region}
	c, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: region})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MakeBucket(context.Background(), probeTestBucket, minio.MakeBucketOptions{Region: region}); err != nil {
		t.Fatalf("regional MinIO: create bucket: %v", err)
	}
	return s
}
