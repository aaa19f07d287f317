package configs

import (
	"math/rand/v2"
	"strconv"
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
	for _, v := range EffectiveValues(f).All() {
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

// TestAppendQuoteIsStrconv holds the plain-ASCII shortcut to %q's quoting.
func TestAppendQuoteIsStrconv(t *testing.T) {
	cases := []string{"", "a", "greptime", "100ms", `a"b`, `a\b`, "tab\there", "del\x7f", "nl\n", "\x00", "\x1f", " ~",
		"é", "日本", "\xff", "\u2028", "s3://bucket/path?x=1&y=2", "'single'"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(4) > 0 {
				b[i] = byte(0x20 + rng.IntN(0x60))
			}
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := string(appendQuote([]byte("x"), s)), string(strconv.AppendQuote([]byte("x"), s)); got != want {
			t.Fatalf("appendQuote(%q) = %s, strconv gives %s", s, got, want)
		}
	}
}
