package annotate

import (
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/report"
)

// TestSummaryNamesTheRelease: the step summary and the comment say which
// GreptimeDB release the configs were judged by, once per release.
func TestSummaryNamesTheRelease(t *testing.T) {
	v := &report.GreptimeDBVersion{Version: "v1.1.4", Source: "--greptimedb-version"}
	r := &report.Report{Tool: "stepstone", Components: []report.ComponentReport{
		{Component: "datanode", ConfigFile: "datanode.toml", GreptimeDB: v},
		{Component: "frontend", ConfigFile: "frontend.toml", GreptimeDB: v},
	}}
	want := "Judged as **GreptimeDB v1.1.4** (--greptimedb-version)."
	var b strings.Builder
	if err := WriteSummary(&b, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), want) != 1 {
		t.Errorf("summary lacks %q once:\n%s", want, b.String())
	}
	b.Reset()
	if err := WriteMarkdown(&b, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), want) != 1 {
		t.Errorf("comment lacks %q once:\n%s", want, b.String())
	}
}
