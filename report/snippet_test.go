package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

// snippetSource is a file of lines; line 5 shows what a masked secret does.
var snippetSource = map[int]string{
	1: `bucket = "gretpime"`,
	2: "root = \"a\x1bb\" # escape",
	3: `store_addrs = ["a:2379",`,
	4: `  "b:2379"]`,
	5: `secret_access_key = "***"`,
	6: `http.timeout = "30"`,
}

func sourceLine(file string, n int) (string, int, bool) {
	if file != "deploy/datanode.toml" {
		return "", 0, false
	}
	l, ok := snippetSource[n]
	if !ok {
		return "", 0, false
	}
	same := len([]rune(l))
	if i := strings.Index(l, "***"); i >= 0 {
		same = len([]rune(l[:i]))
	}
	return l, same, true
}

// TestSnippetGolden: a caret under the value, under the key through the
// end of its value, past an escaped control character, on the first line
// of a range that spans lines, not over a masked secret; no snippet for a
// whole-file finding or an unknown file. Regenerate with
// go test ./report -run TestSnippetGolden -update and review the diff.
func TestSnippetGolden(t *testing.T) {
	at := func(line, col, endLine, endCol int) (report.Position, int, int) {
		return report.Position{File: "deploy/datanode.toml", Line: line, Col: col}, endLine, endCol
	}
	finding := func(rule, msg string, pos report.Position, endLine, endCol int) report.Finding {
		return report.Finding{Rule: rule, Severity: report.Error, Message: msg, Pos: pos, EndLine: endLine, EndCol: endCol}
	}
	var fs []report.Finding
	for _, f := range []struct {
		rule, msg       string
		line, col, l, c int
	}{
		{"storage-bucket-typo", "value", 1, 10, 1, 20},
		{"unknown-key", "key through value", 2, 1, 2, 15},
		{"escape", "after an escaped control character", 2, 8, 2, 15},
		{"multi-line", "spans lines", 3, 15, 4, 12},
		{"plaintext-secret", "masked", 5, 21, 5, 26},
		{"point", "no end", 6, 1, 0, 0},
	} {
		p, l, c := at(f.line, f.col, f.l, f.c)
		fs = append(fs, finding(f.rule, f.msg, p, l, c))
	}
	fs = append(fs,
		report.Finding{Rule: "whole-file", Severity: report.Warning, Message: "no line", Pos: report.Position{File: "deploy/datanode.toml"}},
		report.Finding{Rule: "elsewhere", Severity: report.Info, Message: "unknown file", Pos: report.Position{File: "other.toml", Line: 1, Col: 1}},
	)
	r := &report.Report{Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), FailOn: report.Error,
		Components: []report.ComponentReport{{Component: "datanode", ConfigFile: "deploy/datanode.toml", Findings: report.SortFindings(fs)}}}
	var buf bytes.Buffer
	if err := report.WriteText(&buf, r, report.TextOptions{Source: sourceLine}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "testdata/golden.snippet.txt", buf.Bytes())
	// Without a source the report is as it was.
	buf.Reset()
	if err := report.WriteText(&buf, r, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), " | ") {
		t.Errorf("a snippet without a source:\n%s", buf.String())
	}
}
