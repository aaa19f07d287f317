package report

import (
	"bytes"
	"strings"
	"testing"
)

// TestTextEscapesHostileText: a config path holding a line break, a
// server's message with ESC sequences and bidi overrides, and a finding
// naming a forged workflow command reach the human report escaped (issue
// 14): no line the runner would read as a command, no raw control or bidi
// character.
func TestTextEscapesHostileText(t *testing.T) {
	r := &Report{Components: []ComponentReport{{
		Component:  "datanode",
		ConfigFile: "dir\n::stop-commands::tok/datanode.toml",
		Probes: []ProbeResult{{
			Name:       "storage S3 \u202eevil",
			Status:     Fail,
			Message:    "server said: \x1b[2J\x1b]8;;http://x\x07HTTP/1.1 403\r\n::error::forged",
			Suggestion: "check \u2066this\u2069",
		}},
		Findings: []Finding{{
			Rule:     "unknown-key",
			Severity: Warning,
			Message:  "unknown key \"a\n::warning::b\"",
			Pos:      Position{File: "x\x1b[31m.toml", Line: 1, Col: 1},
		}},
	}}}
	var b bytes.Buffer
	if err := WriteText(&b, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"\x1b", "\u202e", "\u2066", "\x07", "\r"} {
		if strings.Contains(out, bad) {
			t.Errorf("raw %q in the report:\n%s", bad, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::") {
			t.Errorf("a line starts a workflow command: %q", line)
		}
	}
}
