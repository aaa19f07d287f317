package impact

import (
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
)

func load(t *testing.T, name, src string) *configs.File {
	t.Helper()
	f, err := configs.Load(name, []byte(src), "")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCompare(t *testing.T) {
	cases := []struct {
		name, comp, old, new string
		want                 []string // "!key" dangerous, "key" harmless
	}{
		{"bucket and root move", "datanode", "node_id = 1\n[storage]\ntype = \"S3\"\nbucket = \"a\"\nroot = \"r\"\n", "node_id = 1\n[storage]\ntype = \"S3\"\nbucket = \"b\"\nroot = \"r2\"\n", []string{"!storage.bucket", "!storage.root"}},
		{"wal provider", "datanode", "node_id = 1\n[wal]\nprovider = \"raft_engine\"\n", "node_id = 1\n[wal]\nprovider = \"kafka\"\nbroker_endpoints = [\"k:9092\"]\n", []string{"!wal.broker_endpoints", "!wal.provider"}},
		{"node id", "datanode", "node_id = 1\n", "node_id = 2\n", []string{"!node_id"}},
		{"metasrv backend and prefix", "metasrv", "backend = \"etcd_store\"\nstore_addrs = [\"e:2379\"]\n", "backend = \"postgres_store\"\nstore_addrs = [\"postgres://u@p/db\"]\nstore_key_prefix = \"x\"\n", []string{"!backend", "!store_addrs", "!store_key_prefix"}},
		{"harmless tuning", "datanode", "node_id = 1\n[logging]\nlevel = \"info\"\n", "node_id = 1\n[logging]\nlevel = \"debug\"\n", []string{"logging.level"}},
		{"a secret changes, never shown", "datanode", "node_id = 1\n[storage]\ntype = \"S3\"\nbucket = \"a\"\nsecret_access_key = \"old-secret\"\n", "node_id = 1\n[storage]\ntype = \"S3\"\nbucket = \"a\"\nsecret_access_key = \"new-secret\"\n", []string{"storage.secret_access_key"}},
		{"nothing", "datanode", "node_id = 1\n", "# a comment\nnode_id = 1\n", nil},
	}
	// A config added as a whole lists what it sets, not every default.
	added := Compare(nil, load(t, "datanode.toml", "node_id = 3\n[logging]\nlevel = \"debug\"\n"))
	if added.Status != "added" || len(added.Changes) != 2 || added.Changes[0].Key != "logging.level" || added.Changes[1].Key != "node_id" || added.Dangerous() != 0 {
		t.Errorf("added: %+v", added)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc := Compare(load(t, c.comp+".toml", c.old), load(t, c.comp+".toml", c.new))
			var got []string
			for _, ch := range cc.Changes {
				k := ch.Key
				if ch.Dangerous {
					k = "!" + k
					if ch.Reason == "" {
						t.Errorf("%s is dangerous without a reason", ch.Key)
					}
				}
				got = append(got, k)
				if strings.Contains(ch.Old+ch.New, "secret") && (strings.Contains(ch.Old, "old-") || strings.Contains(ch.New, "new-")) {
					t.Errorf("a secret leaked: %+v", ch)
				}
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
