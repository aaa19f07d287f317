package probe

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
)

// backendSDKs maps each backend's SDK or driver (an import path, with
// its subpackages) to the backend's file, the one (with parts split off
// as <kind>_*.go) that may import it.
var backendSDKs = map[string]string{
	"github.com/minio/minio-go/v7":      "s3.go",
	"github.com/Azure/azure-sdk-for-go": "azblob.go",
	"google.golang.org/api":             "gcs.go",
	"github.com/jackc/pgx/v5":           "postgres.go",
	"github.com/go-sql-driver/mysql":    "mysql.go",
	"go.etcd.io/etcd":                   "etcd.go",
	"github.com/twmb/franz-go":          "kafka.go",
	"google.golang.org/grpc":            "metasrv.go",
}

// sharedSDK are the parts of an SDK that several backends read: gRPC's
// status and codes are how etcd's and metasrv's errors arrive.
var sharedSDK = map[string]bool{"google.golang.org/grpc/codes": true, "google.golang.org/grpc/status": true}

// sdkOwner returns the file allowed to import path, and whether path
// belongs to a backend's SDK at all.
func sdkOwner(path string) (string, bool) {
	if sharedSDK[path] {
		return "", false
	}
	for sdk, owner := range backendSDKs {
		if path == sdk || strings.HasPrefix(path, sdk+"/") {
			return owner, true
		}
	}
	return "", false
}

// ownedBy reports whether file name belongs to the backend whose file is
// owner: owner itself, or a part of it split off as <kind>_*.go.
func ownedBy(name, owner string) bool {
	return name == owner || strings.HasPrefix(name, strings.TrimSuffix(owner, ".go")+"_")
}

// TestBackendFiles checks the shape that makes a new backend one file here
// plus one row in configs.Backends (and its Registry row): every backend
// of the table has a probe, a benchmark and a file named after its kind,
// every Registry kind has a file, and no file but a backend's own imports
// that backend's SDK.
func TestBackendFiles(t *testing.T) {
	exists := func(name string) bool {
		_, err := os.Stat(name)
		return err == nil
	}
	for _, b := range configs.Backends {
		be, ok := Registry[b.Kind]
		switch {
		case !ok:
			t.Errorf("configs.Backends has %s (kind %q) but Registry does not", b.Type, b.Kind)
		case be.Probe == nil || be.Bench == nil:
			t.Errorf("Registry[%q] needs both a probe and a benchmark", b.Kind)
		}
		if !exists(b.Kind + ".go") {
			t.Errorf("storage backend %s has no file %s.go", b.Type, b.Kind)
		}
	}
	for kind := range Registry {
		base, _, _ := strings.Cut(kind, "-")
		if !exists(strings.ReplaceAll(kind, "-", "_")+".go") && !exists(base+".go") {
			t.Errorf("Registry kind %q has no file %s.go", kind, base)
		}
	}

	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if owner, ok := sdkOwner(path); ok && !ownedBy(name, owner) {
				t.Errorf("%s imports %s: only %s (or %s_*.go), that backend's files, may", name, path, owner, strings.TrimSuffix(owner, ".go"))
			}
		}
	}
}
