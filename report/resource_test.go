package report

import "testing"

func TestLiveResource(t *testing.T) {
	for _, tc := range []struct {
		in              string
		ns, name, field string
		ok              bool
	}{
		{"greptimedbcluster/demo -n prod", "prod", "demo", "", true},
		{"greptimedbcluster/demo -n prod spec.datanode.config", "prod", "demo", "spec.datanode.config", true},
		{"greptimedbcluster/demo", "", "", "", false},   // a manifest's cluster
		{"greptimedbcluster/x.yaml", "", "", "", false}, // a file in a folder of that name
		{"deploy/greptimedbcluster/demo -n prod", "", "", "", false},
		{"greptimedbcluster/a/b -n prod", "", "", "", false},
		{"greptimedbcluster/demo -n ", "", "", "", false},
	} {
		ns, name, field, ok := LiveResource(tc.in)
		if ns != tc.ns || name != tc.name || field != tc.field || ok != tc.ok {
			t.Errorf("%q: %q %q %q %v, want %q %q %q %v", tc.in, ns, name, field, ok, tc.ns, tc.name, tc.field, tc.ok)
		}
	}
}
