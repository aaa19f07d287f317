package annotate

import (
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/report"
)

func TestImpactSection(t *testing.T) {
	got := ImpactSection([]report.ConfigChanges{{
		File: "deploy/datanode.toml", Component: "datanode", Status: "changed",
		Changes: []report.Change{
			{Key: "storage.bucket", Old: `"a"`, New: `"b|c"`, Dangerous: true, Reason: "object storage moves"},
			{Key: "logging.level", Old: `"info"`, New: `"debug"`},
		},
	}})
	for _, want := range []string{"#### What this change does", "**1 dangerous change(s)**", "| `storage.bucket` | `\"a\"` | `\"b\\|c\"` | object storage moves |", "<summary>1 other change(s)</summary>", "`logging.level` `\"info\"` → `\"debug\"`"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if ImpactSection(nil) != "" {
		t.Error("no changes must render nothing")
	}
}
