package run

import (
	"context"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
)

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
		for _, v := range c.Values.All() {
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

// LearnFile learns what only each of its paths learns: an exporter
// header's value (no credential word, no DSN: only the header path knows
// it), a password in a connection string's query (only AddDSN reads it),
// and a credential key's value, from the file and from an env override.
func TestLearnFileEveryPath(t *testing.T) {
	secrets := []string{"HdrValue-Pq7wE2", "DsnPass-Lk3jH8", "KeyValue-Mn5bV1", "EnvValue-Xc9zT4"}
	src := "store_addrs = [\"postgresql://u@127.0.0.1:5432/db?password=" + secrets[1] + "\"]\n" +
		"[logging.otlp_headers]\nx-team = \"" + secrets[0] + "\"\n"
	f := load(t, "metasrv.toml", src, configs.Metasrv)
	ds := load(t, "datanode.toml", "[storage]\ntype = \"S3\"\nsecret_access_key = \""+secrets[2]+"\"\n", configs.Datanode)
	configs.ApplyEnv(ds, []string{"GREPTIMEDB_DATANODE__WAL__SASL__PASSWORD=" + secrets[3]}, "")
	red := redact.New()
	LearnFile(red, f)
	LearnFile(red, ds)
	for _, s := range secrets {
		if got := red.String("x " + s + " y"); strings.Contains(got, s) {
			t.Errorf("%s is not learnt: %q", s, got)
		}
	}
}

// A user:password@host written without a scheme is no address any driver
// reads (metadata-store-address reports it), and the password in it may
// hold '/' or '#', where the drivers' readings of the user info stop: its
// effective value still shows it masked.
func TestRedactSchemelessUserinfo(t *testing.T) {
	const pass = "Pa/ss#w0rd"
	src := "backend = \"etcd_store\"\nstore_addrs = [\"root:" + pass + "@127.0.0.1:2379\"]\n"
	f := load(t, "metasrv.toml", src, configs.Metasrv)
	r := Run(context.Background(), []Unit{{File: f}}, Options{Values: true})
	shown := 0
	for _, c := range r.Components {
		for _, v := range c.Values.All() {
			if v.Key == "store_addrs" {
				shown++
			}
			if strings.Contains(v.Value, "ss#w0rd") || strings.Contains(v.Value, "Pa/ss") {
				t.Errorf("effective value %s = %s carries the password", v.Key, v.Value)
			}
		}
	}
	for _, fd := range r.AllFindings() {
		if strings.Contains(fd.Message+fd.Suggestion, "w0rd") {
			t.Errorf("finding carries the password: %s", fd.Message)
		}
	}
	if shown != 1 {
		t.Fatalf("store_addrs shown %d times among the effective values, want 1", shown)
	}
}
