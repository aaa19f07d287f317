package run

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// TestCheckIsLoadThenRun holds Check, which lints each file as it is
// parsed and then keeps only what the cross-file rules compare, to the
// report Load and then Run give for the same files: the cluster golden
// cases, clusters that set every key the cross-file rules read, the
// upstream examples, a stepstone:ignore comment and a .stepstone.toml, a
// file that does not parse, one with a password in a connection string
// and one whose secret is another file's plain value (all teach the
// redactor), an env override and a file that is no
// config at all.
func TestCheckIsLoadThenRun(t *testing.T) {
	root := t.TempDir()
	copyDir := func(from, to string) {
		paths, _ := filepath.Glob(filepath.Join(from, "*.toml"))
		if len(paths) == 0 {
			t.Fatalf("no configs in %s", from)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(root, to, filepath.Base(p)), string(data))
		}
	}
	cases, _ := filepath.Glob(filepath.Join("..", "lint", "testdata", "cluster", "*"))
	retain, _ := filepath.Glob(filepath.Join("..", "lint", "testdata", "retain", "*"))
	for _, dir := range append(cases, retain...) {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			copyDir(dir, filepath.Base(dir))
		}
	}
	copyDir(filepath.Join("..", "..", "shared", "greptime-configs", "upstream"), "upstream")
	write(t, filepath.Join(root, "mixed", "datanode.toml"), "node_id = 1\nbogus_key = 1 # stepstone:ignore unknown-key kept for a test\n[storage]\ntype = \"S3\"\nbucket = \"b\"\nroot = \"r\"\naccess_key_id = \"id\"\nsecret_access_key = \"Zq9-learned-secret\"\n")
	// The secret of another file, as a value no rule calls secret: only
	// the redactor the whole run taught masks it.
	write(t, filepath.Join(root, "other", "datanode.toml"), "node_id = 2\n[storage]\ntype = \"S3\"\nbucket = \"b\"\nroot = \"Zq9-learned-secret\"\n")
	write(t, filepath.Join(root, "mixed", "metasrv.toml"), "backend = \"postgres_store\"\nstore_addrs = [\"postgres://greptime:hunter2-secret@10.0.0.1:5432/meta\"]\n[grpc]\nbind_addr = \"0.0.0.0:3002\"\n")
	write(t, filepath.Join(root, "mixed", "frontend.toml"), "[http]\naddr = \"0.0.0.0:4000\"\npassword = unquoted-s3cret\n")
	write(t, filepath.Join(root, "mixed", "notes.toml"), "title = \"not a config\"\n")
	write(t, filepath.Join(root, "mixed", ".stepstone.toml"), "[[ignore]]\nrules = [\"missing-metasrv-addrs\"]\nreason = \"kept for a test too\"\n")
	env := []string{"GREPTIMEDB_DATANODE__LOGGING__LEVEL=debug", "GREPTIMEDB_DATANODE__STORAGE__SECRET_ACCESS_KEY=s3cr3t-key-value"}

	var srcs []Source
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".toml" || d.Name() == ".stepstone.toml" {
			return err
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		srcs = append(srcs, Source{Path: p, Size: st.Size(), Read: func() ([]byte, error) { return os.ReadFile(p) }})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Command: "lint", Values: true, Fixes: true, Suppress: true}
	unit := func(f *configs.File) Unit {
		o.Judge(f)
		configs.ApplyEnv(f, env, "")
		return Unit{File: f, Env: env}
	}
	group := func(f *configs.File, n int) string {
		if n > 1 {
			return filepath.Dir(f.Path)
		}
		return ""
	}

	files, skipped, err := Load(context.Background(), srcs, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	units := make([]Unit, len(files))
	for i, f := range files {
		units[i] = unit(f)
	}
	setGroups(units, group)
	whole := Run(context.Background(), units, o)
	want := reportJSON(t, whole)

	// Check reads into recycled buffers, as the CLI does: a file's report
	// must not change when the bytes it was read from are reused.
	pooled := make([]Source, len(srcs))
	for i, src := range srcs {
		pooled[i] = src
		pooled[i].Read = func() ([]byte, error) {
			data, err := os.ReadFile(src.Path)
			return append(SourceBuffer(len(data)), data...), err
		}
	}
	r, kept, skipped2, err := Check(context.Background(), pooled, CheckOptions{Unit: unit, Group: group}, o)
	if err != nil {
		t.Fatal(err)
	}
	got := reportJSON(t, r)
	if got != want {
		t.Errorf("Check's report differs from Load then Run's:\n%s", firstDiff(want, got))
	}
	if a, b := suppressedOf(whole), suppressedOf(r); a != b || !strings.Contains(a, "kept for a test") || !strings.Contains(a, "kept for a test too") {
		t.Errorf("suppressed findings: Load then Run\n%s\nCheck\n%s\n(want both the comment's and .stepstone.toml's)", a, b)
	}
	if strings.Join(skipped, ",") != strings.Join(skipped2, ",") || len(skipped) != 1 {
		t.Errorf("skipped: Load %v, Check %v (want the one file that is no config)", skipped, skipped2)
	}
	if len(kept) != len(files) {
		t.Errorf("Check returned %d files, Load %d", len(kept), len(files))
	}
	for _, secret := range []string{"hunter2-secret", "unquoted-s3cret", "s3cr3t-key-value", "Zq9-learned-secret"} {
		if strings.Contains(got, secret) {
			t.Errorf("the report carries the secret %q", secret)
		}
	}
	for _, must := range []string{`"rule": "port-clash"`, `"rule": "storage-mismatch"`, `"fix":`, `"origin": "env GREPTIMEDB_DATANODE__LOGGING__LEVEL"`} {
		if !strings.Contains(got, must) {
			t.Errorf("the report has no %s: the case no longer covers it", must)
		}
	}
}

// reportJSON is the JSON report with its times taken out.
func reportJSON(t *testing.T, r *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return timesRE.ReplaceAllString(b.String(), `"$1": 0`)
}

// suppressedOf lists the suppressed findings of r with their reasons.
func suppressedOf(r *report.Report) string {
	var b strings.Builder
	for _, c := range r.Components {
		for _, f := range c.Suppressed {
			b.WriteString(f.Pos.String() + " " + f.Rule)
			if f.Suppressed != nil {
				b.WriteString(" " + f.Suppressed.Justification)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

var timesRE = regexp.MustCompile(`"(timestamp|total_duration_ms|duration_ms)": [^,\n]*`)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// firstDiff shows the lines around the first difference of two texts.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		if i >= len(al) || i >= len(bl) || al[i] != bl[i] {
			from := max(0, i-5)
			return "want:\n" + strings.Join(al[from:min(len(al), i+5)], "\n") + "\ngot:\n" + strings.Join(bl[from:min(len(bl), i+5)], "\n")
		}
	}
	return ""
}
