// Package fix repairs what has one right answer in a GreptimeDB config with
// minimal text edits at byte ranges: comments, blank lines, key order,
// quoting and line endings survive, and a file with nothing to fix is left
// byte-identical. The file is never re-serialised.
package fix

import (
	"fmt"
	"sort"
)

// Edit replaces the bytes [Start, End) of a file with Text. Start == End is
// an insertion.
type Edit struct {
	Start, End int
	Text       string
	// order breaks ties between insertions at the same offset: a table
	// header goes before the keys appended under it.
	order int
}

// Fix is the set of edits that repairs one finding. Its edits apply
// together or not at all (a key moved to another table is a deletion and
// an insertion).
type Fix struct {
	// Rule and Key name the finding the fix repairs, as the lint rules
	// report it ("renamed-key", "grpc.addr").
	Rule string
	Key  string
	// Description says what the fix does, in one lower-case clause:
	// `rename grpc.addr to grpc.bind_addr`.
	Description string
	Edits       []Edit
}

// Dropped is a fix that was not applied, and why.
type Dropped struct {
	Fix    Fix
	Reason string
}

// overlaps reports whether two edits touch the same bytes. Insertions at
// the same offset do not overlap (they apply in order); an insertion
// strictly inside a replaced range does.
func overlaps(a, b Edit) bool {
	if a.Start == a.End && b.Start == b.End {
		return false
	}
	if a.Start == a.End {
		return a.Start > b.Start && a.Start < b.End
	}
	if b.Start == b.End {
		return b.Start > a.Start && b.Start < a.End
	}
	return a.Start < b.End && b.Start < a.End
}

// Apply applies fixes to src. Fixes are taken in order of their first
// edit; a fix with an edit outside src or overlapping an edit already
// accepted is dropped whole, with a note. Identical edits from different
// fixes (the header two moved keys both need) are applied once. A call
// with no fixes returns src itself.
func Apply(src []byte, fixes []Fix) (out []byte, applied []Fix, dropped []Dropped) {
	if len(fixes) == 0 {
		return src, nil, nil
	}
	sorted := append([]Fix(nil), fixes...)
	first := func(f Fix) int {
		m := len(src) + 1
		for _, e := range f.Edits {
			if e.Start < m {
				m = e.Start
			}
		}
		return m
	}
	sort.SliceStable(sorted, func(i, j int) bool { return first(sorted[i]) < first(sorted[j]) })
	var accepted []Edit
	seen := map[Edit]bool{}
outer:
	for _, f := range sorted {
		if len(f.Edits) == 0 {
			continue
		}
		var mine []Edit
		for _, e := range f.Edits {
			if e.Start < 0 || e.End < e.Start || e.End > len(src) {
				dropped = append(dropped, Dropped{Fix: f, Reason: fmt.Sprintf("edit at bytes %d-%d lies outside the file", e.Start, e.End)})
				continue outer
			}
			if seen[e] {
				continue
			}
			for _, a := range accepted {
				if overlaps(a, e) {
					dropped = append(dropped, Dropped{Fix: f, Reason: "it overlaps another fix; run fix again to apply it"})
					continue outer
				}
			}
			mine = append(mine, e)
		}
		for _, e := range mine {
			seen[e] = true
			accepted = append(accepted, e)
		}
		applied = append(applied, f)
	}
	if len(accepted) == 0 {
		return src, applied, dropped
	}
	sort.SliceStable(accepted, func(i, j int) bool {
		a, b := accepted[i], accepted[j]
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		// At one offset: insertions before a replacement, then by order.
		if (a.Start == a.End) != (b.Start == b.End) {
			return a.Start == a.End
		}
		return a.order < b.order
	})
	return splice(src, accepted), applied, dropped
}

// splice applies sorted, non-overlapping edits.
func splice(src []byte, edits []Edit) []byte {
	n := len(src)
	for _, e := range edits {
		n += len(e.Text) - (e.End - e.Start)
	}
	out := make([]byte, 0, n)
	at := 0
	for _, e := range edits {
		out = append(out, src[at:e.Start]...)
		out = append(out, e.Text...)
		at = e.End
	}
	return append(out, src[at:]...)
}
