package lint

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
)

// A rule lists MaxFindingsPerRule findings a file and counts the rest in
// one more finding, at the first key it did not list.
func TestFindingsPerRuleAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("node_id = 1\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n")
	const tables = 250
	for i := 0; i < tables; i++ {
		fmt.Fprintf(&b, "[unknown_%d]\nkey = %d\n", i, i)
	}
	f, err := configs.Load("cap.toml", []byte(b.String()), configs.Datanode)
	if err != nil {
		t.Fatal(err)
	}
	var listed, summaries int
	for _, fd := range Lint(f, nil) {
		if fd.Rule != "unknown-key" {
			t.Errorf("unexpected finding: %s", fd.Message)
			continue
		}
		if strings.Contains(fd.Message, "more unknown-key findings") {
			summaries++
			want := fmt.Sprintf("%d more unknown-key findings", tables-MaxFindingsPerRule)
			if !strings.HasPrefix(fd.Message, want) {
				t.Errorf("summary %q, want it to start with %q", fd.Message, want)
			}
			// The first unlisted table: unknown_100 on line 4 + 2*100.
			if fd.Pos.Line != 4+2*MaxFindingsPerRule || fd.Key != fmt.Sprintf("unknown_%d", MaxFindingsPerRule) {
				t.Errorf("summary at %v (key %s), want line %d", fd.Pos, fd.Key, 4+2*MaxFindingsPerRule)
			}
			continue
		}
		listed++
	}
	if listed != MaxFindingsPerRule || summaries != 1 {
		t.Errorf("listed %d findings and %d summaries, want %d and 1", listed, summaries, MaxFindingsPerRule)
	}

	// At the cap exactly, nothing is summarised.
	old := MaxFindingsPerRule
	MaxFindingsPerRule = tables
	defer func() { MaxFindingsPerRule = old }()
	if n := len(Lint(f, nil)); n != tables {
		t.Errorf("with a cap of %d, %d findings", tables, n)
	}
}
