package run_test

import (
	"context"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/run"
)

// TestJudgeCarriesTheRelease: the release chosen in Options reaches every
// file and the report; without a choice a file keeps its own release (the
// plugin's image tag), else the newest stable one.
func TestJudgeCarriesTheRelease(t *testing.T) {
	load := func() *configs.File {
		f, err := configs.Load("datanode.toml", []byte("node_id = 1\n"), configs.Datanode)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	v114, err := configs.ParseVersion("v1.1.4", "--greptimedb-version")
	if err != nil {
		t.Fatal(err)
	}
	own, err := configs.ParseVersion("main", "image tag")
	if err != nil {
		t.Fatal(err)
	}

	f := load()
	o := run.Options{GreptimeDBVersion: v114, Enterprise: true, Placeholders: []string{"@@"}}
	o.Judge(f)
	o.Judge(f)
	if f.Version != v114 || !f.Enterprise || len(f.Placeholders) != 1 {
		t.Errorf("judged: version %v, enterprise %v, placeholders %q", f.Version, f.Enterprise, f.Placeholders)
	}
	r := run.Run(context.Background(), []run.Unit{{File: f}}, o)
	if g := r.Components[0].GreptimeDB; g == nil || g.Version != "v1.1.4" || g.Source != "--greptimedb-version" {
		t.Errorf("report: %+v", g)
	}

	f = load()
	f.Version = own
	run.Options{}.Judge(f)
	if f.Version != own {
		t.Errorf("a file's own release was replaced by %v", f.Version)
	}
	f = load()
	run.Options{}.Judge(f)
	if f.Version.String() != configs.DefaultVersion().String() {
		t.Errorf("default: %v", f.Version)
	}
}
