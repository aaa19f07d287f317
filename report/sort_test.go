package report

import (
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// SortFindings and SortFindingsInPlace order findings by file, line,
// column, rule and message, keep the order of equal ones, and drop a
// finding that repeats the one before it; held here to sort.SliceStable
// with that order on random findings.
func TestSortFindings(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	for range 2000 {
		var fs []Finding
		for range rng.IntN(12) {
			fs = append(fs, Finding{Rule: pick("a", "b"), Message: pick("x", "y"), Suggestion: pick("1", "2", "3"),
				Pos: Position{File: pick("f", "g"), Line: rng.IntN(3), Col: rng.IntN(2)}})
		}
		want := append([]Finding(nil), fs...)
		sort.SliceStable(want, func(i, j int) bool {
			a, b := want[i], want[j]
			if a.Pos.File != b.Pos.File {
				return a.Pos.File < b.Pos.File
			}
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line < b.Pos.Line
			}
			if a.Pos.Col != b.Pos.Col {
				return a.Pos.Col < b.Pos.Col
			}
			if a.Rule != b.Rule {
				return a.Rule < b.Rule
			}
			return a.Message < b.Message
		})
		var dedup []Finding
		for i, f := range want {
			if i > 0 && f.Pos == want[i-1].Pos && f.Rule == want[i-1].Rule && f.Message == want[i-1].Message {
				continue
			}
			dedup = append(dedup, f)
		}
		before := append([]Finding(nil), fs...)
		if got := SortFindings(fs); !reflect.DeepEqual(got, dedup) && len(got)+len(dedup) > 0 {
			t.Fatalf("SortFindings(%v) = %v, want %v", before, got, dedup)
		}
		if !reflect.DeepEqual(fs, before) {
			t.Fatalf("SortFindings changed its input")
		}
		if got := SortFindingsInPlace(fs); !reflect.DeepEqual(got, dedup) && len(got)+len(dedup) > 0 {
			t.Fatalf("SortFindingsInPlace(%v) = %v, want %v", before, got, dedup)
		}
	}
}
