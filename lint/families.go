package lint

// Families says which file holds a rule that is not the lead of its own
// file: each entry is a lead rule (its file is named after it, unknown-key
// in unknown_key.go) and the other rules that file declares, in order. A
// rule id is either a lead or listed here; TestRuleFiles holds the table and
// the files to each other. To find a rule: its own file, else the file of
// the lead that lists it.
var Families = map[string][]string{
	"env-unknown-key":        {"env-shadowed"},
	"invalid-address":        {"unspecified-server-addr", "loopback-server-addr"},
	"metadata-store-address": {"store-addrs-ignored", "memory-store", "max-txn-ops", "max-metadata-value-size", "failover-local-wal"},
	"metasrv-addr-mismatch":  {"duplicate-node-id", "storage-mismatch", "wal-mismatch", "gc-mismatch", "port-clash"},
	"missing-node-id":        {"missing-metasrv-addrs"},
	"toml-syntax":            {"duplicate-key"},
	"type-mismatch":          {"invalid-enum", "invalid-duration", "invalid-size", "invalid-value"},
	"unknown-key":            {"renamed-key", "deprecated-key", "other-component-key", "key-not-for-type"},
}
