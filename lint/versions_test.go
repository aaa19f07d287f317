package lint_test

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/report"
)

// releaseExamples reads configs/testdata/examples.tar.gz, written by
// go run ./internal/schemagen: every release's example configs (without
// their "##" comment lines), deduplicated. It returns release -> component
// -> file.
func releaseExamples(t *testing.T) map[string]map[string][]byte {
	t.Helper()
	fh, err := os.Open("../configs/testdata/examples.tar.gz")
	if err != nil {
		t.Fatalf("the release examples are missing (run go run ./internal/schemagen): %v", err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = b
	}
	out := map[string]map[string][]byte{}
	for _, line := range strings.Split(string(files["index.txt"]), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		if out[f[0]] == nil {
			out[f[0]] = map[string][]byte{}
		}
		out[f[0]][f[1]] = files[f[2]+".toml"]
	}
	return out
}

// TestReleaseExamples lints every release's example configs under that
// release: GreptimeDB starts them as they are, so no rule may report an
// error or an unknown key.
func TestReleaseExamples(t *testing.T) {
	examples := releaseExamples(t)
	rels := configs.Releases()
	if len(examples) != len(rels) {
		t.Fatalf("examples for %d releases, schema data for %d: run go run ./internal/schemagen", len(examples), len(rels))
	}
	for _, r := range rels {
		t.Run(r.Name, func(t *testing.T) {
			v, err := configs.ParseVersion(r.Name, "test")
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range configs.Components {
				data := examples[r.Name][string(c)]
				if data == nil {
					t.Fatalf("no %s example", c)
				}
				f, err := configs.Load(string(c)+".example.toml", data, c)
				if err != nil {
					t.Fatal(err)
				}
				f.Version = v
				configs.ApplyEnv(f, nil, "")
				for _, fd := range lint.Lint(f, nil) {
					if fd.Severity == report.Error || fd.Rule == "unknown-key" {
						t.Errorf("%s %s: %s", r.Name, c, fd)
					}
				}
			}
		})
	}
}

// applyCaseOptions reads a golden case's optional .opts file: lines
// "version=<release>" (default: the newest stable release) and
// "edition=enterprise".
func applyCaseOptions(t *testing.T, f *configs.File, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "version":
			ver, err := configs.ParseVersion(v, "test")
			if err != nil {
				t.Fatal(err)
			}
			f.Version = ver
		case "edition":
			f.Enterprise = v == "enterprise"
		case "":
		default:
			t.Fatalf("%s: unknown option %q", path, k)
		}
	}
}
