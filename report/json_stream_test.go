package report

import (
	"bytes"
	"testing"
	"time"
)

// The streamed document is byte for byte the one-piece encoding.
func TestStreamJSONSameBytes(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := Finding{Rule: "port-clash", Severity: Error, Message: "a <b> & \"c\"", Pos: Position{File: "a.toml", Line: 3, Col: 1}}
	for _, r := range []*Report{
		{Started: at},
		{Started: at, Interrupted: true, ClusterFindings: []Finding{f, f}},
		{Started: at, Components: []ComponentReport{
			{Component: "datanode", ConfigFile: "d.toml", Timestamp: at, Findings: []Finding{f},
				Values: []Value{{Key: "node_id", Value: "1"}}},
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
