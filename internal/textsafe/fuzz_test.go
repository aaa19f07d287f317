package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSanitise: Line gives one valid UTF-8 line with no unsafe rune that
// the runner would not read as a command; Text gives lines each like that;
// safe text comes back unchanged.
func FuzzSanitise(f *testing.F) {
	for _, s := range []string{"", "::error::x", "a\n::warning::b", "\x1b[31m", "\u202e", " \u2028::x", "\xff\xfe", "ok/path.toml"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(what, line string) {
			if !utf8.ValidString(line) {
				t.Fatalf("%s(%q) is not UTF-8: %q", what, s, line)
			}
			for _, r := range line {
				if Unsafe(r) {
					t.Fatalf("%s(%q) holds %U: %q", what, s, r, line)
				}
			}
			if startsCommand(line) {
				t.Fatalf("%s(%q) starts a workflow command: %q", what, s, line)
			}
		}
		check("Line", Line(s))
		for _, l := range strings.Split(Text(s), "\n") {
			check("Text", l)
		}
		if !needsWork(s, false) && !startsCommand(s) && Line(s) != s {
			t.Fatalf("Line changed safe text %q to %q", s, Line(s))
		}
	})
}
