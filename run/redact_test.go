package run

import (
	"context"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
)

func TestLineOf(t *testing.T) {
	for _, tt := range []struct {
		origin, file, want string
		ok                 bool
	}{
		{"d/a.toml:3:1", "d/a.toml", ":3:1", true},
		{"d/a.toml:12", "d/a.toml", ":12", true},
		{"d/a.toml", "d/a.toml", "", false},
		{"d/a.toml:3:1:4", "d/a.toml", "", false},
		{"d/a.toml::3", "d/a.toml", "", false},
		{"d/a.toml:3:", "d/a.toml", "", false},
		{"d/a.toml:x", "d/a.toml", "", false},
		{"d/a.tomlx:3", "d/a.toml", "", false},
		{"env GREPTIMEDB_X", "d/a.toml", "", false},
		{"default", "", "", false},
	} {
		got, ok := lineOf(tt.origin, tt.file)
		if got != tt.want || ok != tt.ok {
			t.Errorf("lineOf(%q, %q) = %q, %v; want %q, %v", tt.origin, tt.file, got, ok, tt.want, tt.ok)
		}
	}
}

// A secret is masked wherever the report carries it: in a value, in the
// file name of every origin and location, and in a related place, however
// many files repeat it (the redactions are shared).
func TestRedactReportEverywhere(t *testing.T) {
	const secret = "Sup3rS3cretPassw0rd"
	src := "node_id = 1\n[storage]\ntype = \"S3\"\nbucket = \"b\"\nroot = \"" + secret + "\"\nsecret_access_key = \"" + secret + "\"\n"
	var units []Unit
	for _, name := range []string{"a", "b", "c"} {
		f := load(t, "dir-"+secret+"/datanode-"+name+".toml", src, configs.Datanode)
		units = append(units, Unit{File: f, Group: "dir"})
	}
	r := Run(context.Background(), units, Options{Values: true})
	var all []string
	for _, c := range r.Components {
		all = append(all, c.ConfigFile)
		for _, v := range c.Values {
			all = append(all, v.Key, v.Value, v.Origin)
			if strings.HasPrefix(v.Origin, "dir-") && !strings.HasPrefix(v.Origin, c.ConfigFile+":") {
				t.Errorf("origin %q is not at %q", v.Origin, c.ConfigFile)
			}
		}
	}
	related := 0
	for _, f := range append(r.AllFindings(), r.ClusterFindings...) {
		all = append(all, f.Message, f.Pos.File)
		for _, rel := range f.Related {
			related++
			all = append(all, rel.File, rel.Message)
		}
	}
	if related == 0 {
		t.Fatal("no grouped finding: the test needs related places")
	}
	for _, s := range all {
		if strings.Contains(s, secret) || strings.Contains(s, "S3cret") {
			t.Errorf("the report carries the secret: %q", s)
		}
	}
}
