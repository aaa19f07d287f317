package lint

import (
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
)

// findRenameByScan is findRename as it was: every rename compared in turn.
func findRenameByScan(c configs.Component, sk string) (*configs.Rename, bool) {
	for i := range configs.Renames {
		r := &configs.Renames[i]
		if len(r.Components) > 0 && !hasComponent(r.Components, c) {
			continue
		}
		if sk == r.Old {
			return r, true
		}
		if rest, ok := strings.CutPrefix(sk, r.Old); ok && (strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "[].")) {
			return r, false
		}
	}
	return nil, false
}

// TestFindRenameAgreesWithScan holds the indexed look-up to the scan of
// every rename, on every schema key, every old and new key, keys below
// them, and near misses.
func TestFindRenameAgreesWithScan(t *testing.T) {
	var keys []string
	add := func(k string) {
		keys = append(keys, k, k+".x", k+"[].x", k+"[]", k+"x", k+"[0].x", "x."+k)
		if i := strings.LastIndexByte(k, '.'); i > 0 {
			keys = append(keys, k[:i], k[:i]+"_")
		}
	}
	for _, r := range configs.Renames {
		add(r.Old)
		add(r.New)
	}
	for _, c := range configs.Components {
		for _, sp := range configs.SchemaFor(c).Specs() {
			add(sp.Key)
		}
	}
	keys = append(keys, "", ".", "[].", "[]")
	found := 0
	for _, c := range configs.Components {
		for _, k := range keys {
			want, wantExact := findRenameByScan(c, k)
			got, gotExact := findRename(c, k)
			if got != want || gotExact != wantExact {
				t.Fatalf("findRename(%s, %q) = %v, %v; the scan finds %v, %v", c, k, got, gotExact, want, wantExact)
			}
			if got != nil {
				found++
			}
		}
	}
	if found == 0 {
		t.Fatal("no key matched a rename: the test checks nothing")
	}
	t.Logf("%d keys × %d components, %d matched a rename", len(keys), len(configs.Components), found)
}
