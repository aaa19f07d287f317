package configs

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// twoPassLoad is how Load decoded a file before the one-pass tree builder:
// BurntSushi/toml for values and syntax errors, go-toml for redefinitions.
// The one-pass loader must agree with it on every file it accepts and on
// every error, except for TOML 1.1 additions, which are now errors.
func twoPassLoad(path string, data []byte) (map[string]any, *SyntaxError) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if nestingTooDeep(data) >= 0 {
		return nil, &SyntaxError{Message: "too deep"}
	}
	ix := buildIndex(path, data)
	if ix.tooDeep != nil {
		return nil, &SyntaxError{Message: "too deep"}
	}
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		return nil, syntaxError(path, data, err)
	}
	if se := redefinition(path, data, len(ix.order)); se != nil {
		return nil, se
	}
	return tree, nil
}

// onePassCorpus returns TOML documents by name: the toml-test suite that
// BurntSushi/toml ships (valid and invalid, TOML 1.0 and 1.1), the fuzz
// seeds and the upstream configs.
func onePassCorpus(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	suite := filepath.Join(burntSushiDir(t), "internal", "toml-test", "tests")
	err := filepath.WalkDir(suite, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".toml") {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(suite, p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil || len(out) < 500 {
		t.Fatalf("toml-test suite under %s: %d files, %v", suite, len(out), err)
	}
	for i, s := range fuzzSmallSeeds {
		out["seed-"+string(rune('a'+i))] = []byte(s)
	}
	for _, p := range append(mustGlob(t, filepath.Join(sharedDir, "upstream", "*.toml")), mustGlob(t, "examples/*.toml")...) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = data
	}
	return out
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) == 0 {
		t.Fatalf("no files match %s (%v)", pattern, err)
	}
	return m
}

// burntSushiDir returns where the module cache holds the BurntSushi/toml
// that this module requires.
func burntSushiDir(t *testing.T) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/BurntSushi/toml")
	cmd.Dir = filepath.Dir(self)
	dir, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m github.com/BurntSushi/toml: %v", err)
	}
	return strings.TrimSpace(string(dir))
}

// toml11 names the toml-test cases that TOML 1.1 made valid: BurntSushi
// v1.6 reads TOML 1.1, GreptimeDB's toml crate reads 1.0.
func toml11(name string) bool {
	for _, s := range []string{"valid/spec-1.1.0/", "valid/string/escape-esc", "valid/string/hex-escape",
		"valid/datetime/no-seconds", "valid/inline-table/newline", "invalid/datetime/no-secs",
		"invalid/local-time/no-secs", "invalid/local-datetime/no-secs", "invalid/string/basic-byte-escapes",
		"invalid/inline-table/trailing-comma", "invalid/inline-table/linebreak-"} {
		if strings.HasPrefix(name, s) {
			return true
		}
	}
	return false
}

func TestOnePassAgreesWithTwoPass(t *testing.T) {
	newErrors := 0
	for name, data := range onePassCorpus(t) {
		f, _ := Load("x.toml", data, Datanode)
		oldTree, oldErr := twoPassLoad("x.toml", data)
		if toml11(name) && !strings.Contains(name, "/spec-1.1.0/") && f.SyntaxError == nil {
			t.Errorf("%s: accepted, but it is TOML 1.1 and GreptimeDB reads TOML 1.0", name)
		}
		switch {
		case oldErr != nil && f.SyntaxError == nil:
			t.Errorf("%s: accepted, but the two-pass loader said %v", name, oldErr)
		case oldErr == nil && f.SyntaxError != nil:
			if !toml11(name) {
				t.Errorf("%s: %v, but the two-pass loader accepted it", name, f.SyntaxError)
			}
			newErrors++
		case oldErr != nil:
			if oldErr.Message != "too deep" && (*oldErr != *f.SyntaxError) {
				t.Errorf("%s: error %v, want %v", name, f.SyntaxError, oldErr)
			}
		default:
			if !sameTree(f.Tree(), oldTree) {
				t.Errorf("%s: tree\n%#v\nwant\n%#v", name, f.Tree(), oldTree)
			}
			// The values kept by key are the tree's.
			walk := &File{Path: f.Path, tree: f.Tree(), index: f.index}
			for _, e := range f.Index().Entries() {
				v, ok := f.Get(e.Key)
				w, wok := walk.Get(e.Key)
				if ok != wok || !sameTree(v, w) {
					t.Errorf("%s: Get(%q) = %v, %v; walking the tree gives %v, %v", name, e.Key, v, ok, w, wok)
				}
			}
		}
	}
	t.Logf("%d TOML 1.1 documents are now syntax errors", newErrors)
	// A TOML 1.1 addition is a syntax error, in go-toml's words, at its place.
	f, _ := Load("x.toml", []byte("a = 1\nt = {x = 1,\n  y = 2}\n"), Datanode)
	if f.SyntaxError == nil || f.SyntaxError.Pos.Line != 2 || !strings.Contains(f.SyntaxError.Message, "TOML 1.1") {
		t.Errorf("inline table across lines: %v", f.SyntaxError)
	}
}

// sameTree is reflect.DeepEqual with NaN equal to NaN.
func sameTree(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y))
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameTree(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for i := range x {
			if !sameTree(x[i], y[i]) {
				return false
			}
		}
		return true
	case []map[string]any:
		y, ok := b.([]map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameTree(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// TestIndexAnswersWhatTheTreeHolds holds the readers that spare a file its
// tree (ChildNames, Elements, EntryValue, Has, Get of a value or of an
// unwritten key) to the tree itself, on every file of the corpus that decodes in one pass; and
// checks that they made no tree.
func TestIndexAnswersWhatTheTreeHolds(t *testing.T) {
	tables := 0
	for name, data := range onePassCorpus(t) {
		f, _ := Load("x.toml", data, Datanode)
		if !f.lazy {
			continue
		}
		for _, e := range f.Index().Entries() {
			f.ChildNames(e.Key)
			f.Elements(e.Key)
			f.EntryValue(e)
			f.Has(e.Key)
		}
		f.Get("no.such.key")
		f.Get("no_such_key")
		if f.tree != nil {
			t.Fatalf("%s: reading by key made the tree", name)
		}
		tree := &File{tree: f.Tree(), index: f.index}
		for _, e := range f.Index().Entries() {
			v, ok := tree.Get(e.Key)
			if got, gok := f.Get(e.Key); gok != ok || !sameTree(got, v) {
				t.Fatalf("%s: Get(%q) = %#v, %v; the tree holds %#v, %v", name, e.Key, got, gok, v, ok)
			}
			if f.Has(e.Key) != ok {
				t.Fatalf("%s: Has(%q) = %v; the tree holds it: %v", name, e.Key, !ok, ok)
			}
			var want []string
			if m, isMap := v.(map[string]any); isMap {
				for k := range m {
					want = append(want, k)
				}
				sort.Strings(want)
				tables++
			}
			if got := f.ChildNames(e.Key); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("%s: ChildNames(%q) = %q, the tree holds %q", name, e.Key, got, want)
			}
			arr, isArr := v.([]map[string]any)
			if n, ok := f.Elements(e.Key); ok != isArr || n != len(arr) {
				t.Fatalf("%s: Elements(%q) = %d, %v; the tree holds %d, %v", name, e.Key, n, ok, len(arr), isArr)
			}
			got, _ := f.EntryValue(e)
			if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", v) {
				t.Fatalf("%s: EntryValue(%q) is a %T, the tree holds a %T", name, e.Key, got, v)
			}
		}
	}
	if tables == 0 {
		t.Fatal("no table in the corpus: the test checks nothing")
	}
}

// TestRetainKeepsWhatItsKeysSay holds Retain, which passes the keys below a
// dropped one without looking them up, to a look-up of every key.
func TestRetainKeepsWhatItsKeysSay(t *testing.T) {
	keys := NewKeySet([]string{"node_id", "meta_client.metasrv_addrs", "storage.type", "storage.bucket",
		"wal.provider", "region_engine.mito.gc.enable", "grpc.bind_addr", "http.addr", "a.b", "x"})
	kept := 0
	corpus := onePassCorpus(t)
	// A dropped key that begins a kept one.
	corpus["prefixes"] = []byte("stor = 1\nstorage.type = \"S3\"\nno = 2\nnode_id = 3\n[wa]\nprovider = 1\n[wal]\nprovider = \"kafka\"\n")
	for name, data := range corpus {
		f, _ := Load("x.toml", data, Datanode)
		if !f.lazy {
			continue
		}
		var want []string
		for _, e := range f.Index().Entries() {
			if keys.keeps(strings.ReplaceAll(e.SchemaKey(), "[]", "")) {
				want = append(want, e.Key)
			}
		}
		f.Retain(keys, false)
		var got []string
		for _, e := range f.Index().Entries() {
			got = append(got, e.Key)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: Retain kept %q, want %q", name, got, want)
		}
		kept += len(got)
	}
	if kept == 0 {
		t.Fatal("nothing kept: the test checks nothing")
	}
}

// TestEntrySpecIsLookup holds the specs kept on the entries to the schema's
// look-up, for the schema that filled them and for another one.
func TestEntrySpecIsLookup(t *testing.T) {
	datanode, frontend := SchemaFor(Datanode), SchemaFor(Frontend)
	known := 0
	for name, data := range onePassCorpus(t) {
		f, _ := Load("x.toml", data, Datanode)
		for _, s := range []*Schema{datanode, frontend, datanode} {
			for _, e := range f.Index().Entries() {
				got, want := f.EntrySpec(s, e), s.Lookup(e.SchemaKey())
				if got != want {
					t.Fatalf("%s: EntrySpec(%q) = %v, the schema has %v", name, e.Key, got, want)
				}
				if got != nil {
					known++
				}
			}
		}
	}
	if known == 0 {
		t.Fatal("no key of the corpus is known: the test checks nothing")
	}
}

// TestRetainedFilesSurviveRecycling loads and retains every corpus file,
// copies what each kept, then loads and retains the corpus twice more, so
// that later files are indexed in the storage the first ones gave back
// (Index.recycle): what the first files kept must not change.
func TestRetainedFilesSurviveRecycling(t *testing.T) {
	keys := NewKeySet([]string{"node_id", "meta_client.metasrv_addrs", "storage.type", "storage.bucket",
		"wal.provider", "region_engine.mito.gc.enable", "grpc.bind_addr", "http.addr", "a.b", "x"})
	corpus := onePassCorpus(t)
	names := slices.Sorted(maps.Keys(corpus))
	load := func() []*File {
		files := make([]*File, len(names))
		for i, name := range names {
			files[i], _ = Load("x.toml", corpus[name], Datanode)
			files[i].Retain(keys, false)
		}
		return files
	}
	// snapshot copies what a file kept: entries, positions and values.
	snapshot := func(f *File) *Index {
		ix := &Index{entries: map[string]*Entry{}}
		for _, e := range f.Index().Entries() {
			c := *e
			ix.order = append(ix.order, &c)
			ix.entries[c.Key] = &c
		}
		return ix
	}
	first := load()
	kept := make([]*Index, len(first))
	entries := 0
	for i, f := range first {
		kept[i] = snapshot(f)
		entries += len(kept[i].order)
	}
	reused := 0
	reusedIndex = func() { reused++ }
	defer func() { reusedIndex = nil }()
	load()
	load()
	for i, f := range first {
		if err := sameIndex(f.Index(), kept[i]); err != nil {
			t.Fatalf("%s: what Retain kept changed once other files were loaded: %v", names[i], err)
		}
	}
	if entries == 0 || reused == 0 {
		t.Fatalf("%d entries kept, %d indexes made on recycled storage: the test checks nothing", entries, reused)
	}
}
