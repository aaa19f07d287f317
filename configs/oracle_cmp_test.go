package configs

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// diffParsed says how parseDoc's result differs from the oracle's, or "".
// parseDoc makes no tables (buildTree makes them from its index): the tree
// it builds must be the oracle's, each table entry then holding the tree's
// own table, and each array of tables counting its elements.
func diffParsed(got parsed, want oracleDoc) string {
	gi, wi := got.ix, want.ix
	if (gi.tooDeep == nil) != (wi.tooDeep == nil) || gi.tooDeep != nil && *gi.tooDeep != *wi.tooDeep {
		return fmt.Sprintf("tooDeep %v, want %v", gi.tooDeep, wi.tooDeep)
	}
	if len(gi.order) != len(wi.order) || len(gi.entries) != len(wi.entries) {
		return fmt.Sprintf("%d entries (%d by key), want %d (%d)", len(gi.order), len(gi.entries), len(wi.order), len(wi.entries))
	}
	if got.ok != want.ok {
		return fmt.Sprintf("decoded %v, want %v", got.ok, want.ok)
	}
	built := got.ok
	var tree map[string]any
	if built {
		tree = buildTree(gi)
	}
	wantFile := &File{tree: want.tree}
	for i, e := range gi.order {
		g, w := *e, *wi.order[i]
		g.kind, g.section, g.v, w.kind, w.section, w.v = 0, 0, nil, 0, 0, nil
		if g != w {
			return fmt.Sprintf("entry %d: %+v, want %+v", i, g, w)
		}
		if gi.entries[e.Key] != e {
			return fmt.Sprintf("entry %d (%q) is not the one indexed by its key", i, e.Key)
		}
		if !built {
			continue
		}
		w = *wi.order[i]
		if e.kind != w.kind {
			return fmt.Sprintf("node %q: kind %v, want %v", e.Key, e.kind, w.kind)
		}
		switch e.kind {
		case tDotted:
			if e.section != w.section {
				return fmt.Sprintf("node %q: section %d, want %d", e.Key, e.section, w.section)
			}
		case tArray:
			arr, _ := wantFile.Get(e.Key)
			if n := len(arr.([]map[string]any)); int(e.section) != n {
				return fmt.Sprintf("array %q counts %d elements, want %d", e.Key, e.section, n)
			}
		}
		if e.kind != 0 && e.kind != tArray && (e.v == nil || !sameTree(e.v, w.v)) {
			return fmt.Sprintf("node %q: %#v, want %#v", e.Key, e.v, w.v)
		}
		// A table's entry holds the tree's table, not a copy.
		if m := e.table(); m != nil && e.kind != tClosed {
			f := &File{tree: tree}
			if tv, ok := f.Get(e.Key); !ok || fmt.Sprintf("%p", tv) != fmt.Sprintf("%p", m) {
				return fmt.Sprintf("node %q is not the tree's table", e.Key)
			}
		}
	}
	if (got.err == nil) != (want.err == nil) || got.err != nil && (got.err.Message != want.err.Message || got.errOff != want.errOff) {
		return fmt.Sprintf("error %v at %d, want %v at %d", got.err, got.errOff, want.err, want.errOff)
	}
	if (got.v11 == nil) != (want.v11 == nil) || got.v11 != nil && *got.v11 != *want.v11 {
		return fmt.Sprintf("TOML 1.1 %v, want %v", got.v11, want.v11)
	}
	if built && !sameTree(tree, want.tree) {
		return fmt.Sprintf("tree\n%#v\nwant\n%#v", tree, want.tree)
	}
	return ""
}

// checkAgainstOracle loads data with parseDoc and the oracle and fails on
// any difference; the nesting scan and line table are compared too.
func checkAgainstOracle(t testing.TB, name string, data []byte) {
	t.Helper()
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if g, w := nestingTooDeep(data), oldNestingTooDeep(data); g != w {
		t.Fatalf("%s: nestingTooDeep %d, want %d", name, g, w)
	}
	// Forward (the cursor) and back (the line starts), on a table built
	// eagerly and on one built lazily as parseDoc does.
	for _, lt := range []*lineTable{newLineTable(data), {src: data}} {
		olt := newOldLineTable(data)
		for off := 0; off <= len(data)+1; off += 1 + off/7 {
			if g, w := lt.pos("x", off), olt.pos("x", off); g != w {
				t.Fatalf("%s: pos(%d) %v, want %v", name, off, g, w)
			}
		}
		for off := len(data); off >= 0; off -= 1 + off/5 {
			if g, w := lt.pos("x", off), olt.pos("x", off); g != w {
				t.Fatalf("%s: pos(%d) going back: %v, want %v", name, off, g, w)
			}
		}
	}
	if nestingTooDeep(data) >= 0 {
		return // Load parses no further
	}
	if d := diffParsed(parseDoc("x.toml", data, -1), oldParseDoc("x.toml", data)); d != "" {
		t.Fatalf("%s: %s", name, d)
	}
}

// oracleCorpus is the one-pass corpus plus every TOML file of the module
// (lint's golden cases among them).
func oracleCorpus(t *testing.T) map[string][]byte {
	out := onePassCorpus(t)
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".toml") {
			return err
		}
		data, err := os.ReadFile(p)
		out[p] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseDocAgreesWithOracle(t *testing.T) {
	corpus := oracleCorpus(t)
	deep := func(c string) string { return strings.TrimSuffix(strings.Repeat(c+".", maxNesting), ".") }
	corpus["deep-keys"] = []byte("t = {" + deep("a") + " = 1}\nu = {" + deep("c") + " = 1}\n" + deep("b") + " = 2\n")
	corpus["deep-header"] = []byte("t = {" + deep("a") + " = 1}\n[" + deep("h") + "]\n")
	corpus["deep-array"] = []byte("[[" + deep("h") + "]]\nx = 1\n")
	corpus["arrays"] = []byte("[[a]]\n[[a.b]]\n[[a]]\n[a.b]\n[[a.b]]\nx.y = 1\n[a.c]\n[[a]]\n[[a.c]]\n")
	corpus["array-after-value"] = []byte("a = [{}]\n[[a]]\n[a.x]\n")
	// Keys under [[array]] headers take the header's schema key (plain
	// rests only: indexes, quotes and dotted rests go the long way).
	corpus["under-arrays"] = []byte("[[a]]\nx = 1\ny.z = 2\n\"q.r\" = 3\nl = [1, {m = 2}]\n[[a.\"b.c\"]]\nd = 4\n[a.e]\nf = 5\n[[a]]\n[[a.g]]\nh = 6\n")
	corpus["dup"] = []byte("a = 1\na = [2, {b = 3}]\nc.d = 1\nc.d = {e = 2}\n[c]\n[c]\n")
	for name, data := range corpus {
		checkAgainstOracle(t, name, data)
	}
	t.Logf("%d documents", len(corpus))
}

func FuzzParseDocOracle(f *testing.F) {
	for _, s := range fuzzSmallSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{"[[a]]\n[[a]]\nb = 1\n[a.c]\n[[a]]\n[a.c]\n", "a.b.c = 1\n[a]\nb.d = 2\n",
		"\"x.y\" = 1\n'a b'.c = [1, [2, 3], {d = 4}]\n[\"q\".r]\n", "a = [{b = 1}, {c = [1, {d = 2}]}]\n",
		"[a]\nb.c = 1\n[a.b.d]\n", "[[a.b]]\n[a]\n[[a.b]]\nx = 1\n", "é = \"ü\"\nt = {x = 1, y = 2}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstOracle(t, "input", data)
	})
}

// table returns the table of an entry whose node is one.
func (e *Entry) table() map[string]any {
	m, _ := e.v.(map[string]any)
	return m
}
