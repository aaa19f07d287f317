package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The streamed document is byte for byte the one-piece encoding.
func TestStreamJSONSameBytes(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := Finding{Rule: "port-clash", Severity: Error, Message: "a <b> & \"c\"", Pos: Position{File: "a.toml", Line: 3, Col: 1}}
	grouped := f
	grouped.Related = []Related{{Position: Position{File: "b.toml", Line: 2, Col: 1}, Key: "http.addr", Message: "binds port 4000 too"}}
	for _, r := range []*Report{
		{Started: at},
		{Started: at, Interrupted: true, ClusterFindings: []Finding{f, f}},
		{Started: at, ClusterFindings: []Finding{grouped}},
		{Started: at, Components: []ComponentReport{
			{Component: "datanode", ConfigFile: "d.toml", Timestamp: at, Findings: []Finding{f},
				Values: NewValues([]Value{{Key: "node_id", Value: "1"}})},
			{Component: "frontend", ConfigFile: "f.toml", Timestamp: at},
		}, ClusterFindings: []Finding{f}},
		{Started: at, Impact: []ConfigChanges{
			{File: "d.toml", Component: "datanode", Status: "changed", Changes: []Change{{Key: "storage.bucket", Old: "a", New: "b", Dangerous: true, Reason: "moves <data>"}}},
			{File: "f.toml", Component: "frontend", Status: "added", Changes: []Change{}},
		}},
	} {
		var one, streamed bytes.Buffer
		if err := writeIndented(&one, ToJSON(r)); err != nil {
			t.Fatal(err)
		}
		if err := streamJSON(&streamed, r); err != nil {
			t.Fatal(err)
		}
		if one.String() != streamed.String() {
			t.Errorf("streamed JSON differs:\n%s\nwant:\n%s", streamed.String(), one.String())
		}
	}
}

// A grouped finding's related places are a "related" list of file, line,
// column, key and message.
func TestJSONRelated(t *testing.T) {
	f := Finding{Rule: "port-clash", Severity: Warning, Message: "m", Pos: Position{File: "c.toml", Line: 3, Col: 1},
		Related: []Related{{Position: Position{File: "a.toml", Line: 2, Col: 1}, Key: "http.addr", Message: "binds port 4000 too"}, {Position: Position{File: "b.toml"}, Message: "default"}}}
	var b bytes.Buffer
	if err := WriteJSON(&b, &Report{ClusterFindings: []Finding{f}}); err != nil {
		t.Fatal(err)
	}
	want := `"related": [
        {
          "file": "a.toml",
          "line": 2,
          "column": 1,
          "key": "http.addr",
          "message": "binds port 4000 too"
        },
        {
          "file": "b.toml",
          "line": 0,
          "column": 0,
          "message": "default"
        }
      ]`
	if !bytes.Contains(b.Bytes(), []byte(want)) {
		t.Errorf("JSON lacks the related list:\n%s", b.String())
	}
}

// The human report names a few related places and counts the rest.
func TestRelatedSummary(t *testing.T) {
	f := Finding{Pos: Position{File: "d-9.toml", Line: 3, Col: 1}}
	for i := range 8 {
		f.Related = append(f.Related, Related{Position: Position{File: fmt.Sprintf("d-%d.toml", i), Line: 3, Col: 1}})
	}
	want := "and 8 more files: d-0.toml:3:1, d-1.toml:3:1, d-2.toml:3:1, d-3.toml:3:1, d-4.toml:3:1, …"
	if got := RelatedSummary(f); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	f.Related = []Related{{Position: Position{File: "d-9.toml", Line: 5}}}
	if got, want := RelatedSummary(f), "and 1 more place: d-9.toml:5"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var b bytes.Buffer
	if err := WriteText(&b, &Report{ClusterFindings: []Finding{f}}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\n      and 1 more place: d-9.toml:5\n") {
		t.Errorf("text report:\n%s", b.String())
	}
}
