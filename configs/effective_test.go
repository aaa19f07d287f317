package configs

import (
	"strings"
	"testing"
)

func TestEffectiveValuesLeaveOutUnknownKeys(t *testing.T) {
	src := "node_id = 7\nnot_an_option = 1\n\"storage.type\" = \"S3\"\n[storage]\ntype = \"File\"\nbukcet = \"x\"\n"
	f, err := Load("e.toml", []byte(src), Datanode)
	if err != nil {
		t.Fatal(err)
	}
	ApplyEnv(f, []string{"GREPTIMEDB_DATANODE__NOT_READ=1", "GREPTIMEDB_DATANODE__HTTP__ADDR=127.0.0.1:4000"}, "")
	got := map[string]string{}
	for _, v := range EffectiveValues(f) {
		got[v.Key] = v.Value + " @ " + v.Origin
	}
	for key, want := range map[string]string{
		"node_id":      "7 @ e.toml:1:1",
		"storage.type": `"File" @ e.toml:5:1`,
		"http.addr":    `"127.0.0.1:4000" @ env GREPTIMEDB_DATANODE__HTTP__ADDR`,
	} {
		if got[key] != want {
			t.Errorf("%s: %q, want %q", key, got[key], want)
		}
	}
	for key := range got {
		// A quoted dotted key ("storage.type") is read as the nested key, as
		// GreptimeDB's config layer does, so it may be listed.
		if strings.Contains(key, "not_") || strings.Contains(key, "bukcet") {
			t.Errorf("%s is not read by a datanode but is listed as effective", key)
		}
	}
}
