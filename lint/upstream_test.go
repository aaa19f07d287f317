package lint_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/report"
)

// upstreamDir holds GreptimeDB's own example configs (see SOURCE.md there).
const upstreamDir = "../../shared/greptime-configs/upstream"

// TestUpstreamExamples lints GreptimeDB's example configs: they start as
// they are, so no rule may report an error or an unknown key there. The few
// warnings they deserve are kept in testdata/upstream.out.
func TestUpstreamExamples(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(upstreamDir, "*.example.toml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no upstream example configs in %s (err %v): the shared GreptimeDB configs must be checked out next to the repo", upstreamDir, err)
	}
	var all []report.Finding
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := configs.Load(filepath.Base(p), data, "")
		if err != nil {
			t.Fatalf("load %s: %v", p, err)
		}
		f.Version = mainVersion(t)
		// The environment of the test run must not leak into the result.
		configs.ApplyEnv(f, nil, "")
		for _, fd := range lint.Lint(f, nil) {
			if fd.Severity == report.Error || fd.Rule == "unknown-key" {
				t.Errorf("upstream example misreported: %s", fd)
			}
			all = append(all, fd)
		}
	}
	compareGolden(t, filepath.Join("testdata", "upstream.out"), render(report.SortFindings(all)))
}

// mainVersion is GreptimeDB main, which the upstream examples follow.
func mainVersion(t *testing.T) *configs.Version {
	v, err := configs.ParseVersion("main", "test")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRulesGarbageNoPanic feeds inputs no config should ever contain to
// every component and every rule, alone and together; nothing may panic.
func TestRulesGarbageNoPanic(t *testing.T) {
	binary := make([]byte, 4096)
	seed := uint32(2463534242)
	for i := range binary {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		binary[i] = byte(seed)
	}
	deep := strings.Repeat("[", 3000) + strings.Repeat("]", 3000)
	// One element a line: configs' line table counts runes from the start
	// of the line for every position, so a single very long line is slow
	// (quadratic) there; a shorter one-line array is exercised too.
	var huge strings.Builder
	huge.WriteString("store_addrs = [\n")
	for i := 0; i < 50000; i++ {
		huge.WriteString("\"10.0.0.1:2379\", \"::1\",\n")
	}
	huge.WriteString("]\n[meta_client]\nmetasrv_addrs = [")
	for i := 0; i < 2000; i++ {
		huge.WriteString(`"host:1", 7, `)
	}
	huge.WriteString("]\n")
	inputs := map[string][]byte{
		"empty":      nil,
		"whitespace": []byte(" \n\t\n"),
		"binary":     binary,
		"nul":        []byte("node_id = 1\x00\n"),
		"bom":        append([]byte("\xef\xbb\xbf"), []byte("node_id = 1\n[storage]\ntype = \"S3\"\n")...),
		"crlf":       []byte("node_id = 1\r\n[storage]\r\ntype = \"S3\"\r\nbucket = \"b\"\r\n[grpc]\r\nserver_addr = \"0.0.0.0:3001\"\r\n"),
		"deep":       []byte("a = " + deep + "\n"),
		"deep-addr":  []byte("[meta_client]\nmetasrv_addrs = " + deep + "\n"),
		"huge":       []byte(huge.String()),
		"unclosed":   []byte("[storage\ntype = \"S3"),
		"wrong-shapes": []byte(`
store_addrs = "a:1"
backend = 3
wal = "kafka"
storage = ["x"]
region_engine = 1
node_id = "x"
grpc = 5
[meta_client]
metasrv_addrs = "10.0.0.1:3002"
[[storage.providers]]
type = 7
`),
		"tables-as-arrays": []byte(`
[[grpc]]
bind_addr = "0.0.0.0:1"
[[gc]]
enable = true
[[meta_client]]
metasrv_addrs = ["x:1"]
[[procedure]]
max_metadata_value_size = "9GiB"
`),
	}
	env := []string{
		"GREPTIMEDB_DATANODE__STORAGE__TYPE=S3",
		"GREPTIMEDB_DATANODE__META_CLIENT__METASRV_ADDRS=,,::,[",
		"GREPTIMEDB_METASRV__STORE_ADDRS=postgres://u:p@h,mysql://",
		"GREPTIMEDB_METASRV__BACKEND=postgres_store",
		"GREPTIMEDB_FRONTEND__GRPC__SERVER_ADDR=0.0.0.0",
		"GREPTIMEDB_FLOWNODE____=x",
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			var files []*configs.File
			for _, c := range configs.Components {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("%s as %s: panic: %v", name, c, r)
						}
					}()
					f, err := configs.Load(name+".toml", bytes.Clone(data), c)
					if err != nil {
						t.Fatalf("load %s as %s: %v", name, c, err)
					}
					configs.ApplyEnv(f, env, "")
					lint.Lint(f, env)
					files = append(files, f)
				}()
			}
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("%s: cluster panic: %v", name, r)
				}
			}()
			lint.LintCluster(files)
			lint.LintCluster(append(files, files...))
		})
	}
}
