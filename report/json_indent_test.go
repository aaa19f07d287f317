package report

import (
	"strings"
	"testing"
)

// TestNewlineIndents holds newline's copy from indent to the plain
// two-spaces-a-level loop, within indent's 16 levels and past them.
func TestNewlineIndents(t *testing.T) {
	for depth := range 40 {
		var e jsonEncoder
		e.b = append(e.b, 'x')
		e.newline(depth)
		if want := "x\n" + strings.Repeat("  ", depth); string(e.b) != want {
			t.Fatalf("depth %d: %q, want %q", depth, e.b, want)
		}
	}
}
