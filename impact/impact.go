// Package impact compares the effective values of two versions of a
// GreptimeDB config (defaults and environment overrides applied) and says
// which changes are dangerous for a running cluster, and why.
package impact

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// danger is one class of dangerous change: schema keys (a trailing "*"
// matches any key below) and, when set, the components it applies to.
type danger struct {
	keys   []string
	comps  []configs.Component
	reason string
}

// dangers lists what GreptimeDB cannot follow on a running cluster. Every
// change needs a restart (GreptimeDB reads its config once, at start, and
// has no hot reload), so "needs a restart" is said once, not per key.
var dangers = []danger{
	{keys: []string{"storage.type", "storage.bucket", "storage.root", "storage.endpoint", "storage.container", "storage.scope", "storage.account_name", "storage.region", "storage.providers[].*"},
		reason: "object storage moves: the regions already written are no longer found at the new location (copy the data first)"},
	{keys: []string{"storage.data_home", "data_home"},
		reason: "data_home moves: local files (the raft-engine WAL, caches, metadata of a file backend) stay behind in the old directory"},
	{keys: []string{"wal.provider"},
		reason: "the WAL provider changes: entries not yet flushed stay in the old WAL and are not replayed (flush all regions first)"},
	{keys: []string{"wal.topic_name_prefix", "wal.num_topics", "wal.selector_type", "wal.kafka_topic.*"},
		reason: "the Kafka WAL topics change: entries in the old topics are not replayed (flush all regions first)"},
	{keys: []string{"wal.dir"},
		reason: "the WAL directory moves: entries not yet flushed stay in the old directory and are not replayed"},
	{keys: []string{"wal.broker_endpoints"},
		reason: "the Kafka brokers change: if they are another cluster, the WAL entries in the old one are not replayed"},
	{keys: []string{"backend"}, comps: []configs.Component{configs.Metasrv},
		reason: "the metadata backend changes: metasrv starts from an empty metadata store and the cluster's tables are orphaned (migrate the metadata first)"},
	{keys: []string{"store_addrs"}, comps: []configs.Component{configs.Metasrv},
		reason: "the metadata store address changes: if it is another store, metasrv starts without the cluster's metadata"},
	{keys: []string{"store_key_prefix"}, comps: []configs.Component{configs.Metasrv},
		reason: "the metadata key prefix changes: metasrv no longer sees the metadata written under the old prefix"},
	{keys: []string{"meta_table_name", "meta_schema_name", "meta_election_lock_id"}, comps: []configs.Component{configs.Metasrv},
		reason: "the metadata table (or its election lock) changes: metasrv no longer sees the metadata stored in the old one"},
	{keys: []string{"node_id"}, comps: []configs.Component{configs.Datanode, configs.Flownode},
		reason: "the node id changes: metasrv assigns regions by node id, so this node no longer owns its regions and another node may claim them"},
	{keys: []string{"grpc.server_addr", "server_addr"}, comps: []configs.Component{configs.Datanode, configs.Metasrv, configs.Frontend, configs.Flownode},
		reason: "the advertised address changes: peers that cached the old one fail until they see the new heartbeat"},
}

func (d danger) matches(c configs.Component, sk string) bool {
	if len(d.comps) > 0 {
		ok := false
		for _, x := range d.comps {
			ok = ok || x == c
		}
		if !ok {
			return false
		}
	}
	for _, k := range d.keys {
		if p, wild := strings.CutSuffix(k, "*"); wild {
			if strings.HasPrefix(sk, p) {
				return true
			}
		} else if sk == k {
			return true
		}
	}
	return false
}

// Classify returns why changing the schema key sk of component c is
// dangerous, or "".
func Classify(c configs.Component, sk string) string {
	for _, d := range dangers {
		if d.matches(c, sk) {
			return d.reason
		}
	}
	return ""
}

const unset = "(unset)"

type value struct {
	shown, origin string
	raw           string // for secrets only: compared, never shown
}

// values returns the effective values by canonical key.
func values(f *configs.File) map[string]value {
	out := map[string]value{}
	if f == nil {
		return out
	}
	for _, v := range configs.EffectiveValues(f).All() {
		val := value{shown: v.Value, origin: v.Origin}
		if v.Value == "(secret)" {
			if raw, _, ok := f.Lookup(v.Key); ok {
				val.raw = fmt.Sprint(raw)
			}
		}
		out[v.Key] = val
	}
	return out
}

// Compare lists the effective values that differ between old and new,
// dangerous ones first, then by key. Either may be nil (a config added or
// removed).
func Compare(old, new *configs.File) report.ConfigChanges {
	cc := report.ConfigChanges{Status: "changed", Changes: []report.Change{}}
	ref := new
	switch {
	case old == nil && new == nil:
		return cc
	case old == nil:
		cc.Status = "added"
	case new == nil:
		cc.Status = "removed"
		ref = old
	}
	cc.File, cc.Component = ref.Path, string(ref.Component)
	ov, nv := values(old), values(new)
	keys := map[string]bool{}
	for k := range ov {
		keys[k] = true
	}
	for k := range nv {
		keys[k] = true
	}
	for k := range keys {
		o, ook := ov[k]
		n, nok := nv[k]
		if !ook {
			o = value{shown: unset}
		}
		if !nok {
			n = value{shown: unset}
		}
		if o.shown == n.shown && o.raw == n.raw {
			continue
		}
		// A config added or removed as a whole: its defaults say nothing
		// a reader needs, what the file (or env) sets does.
		if (old == nil && n.origin == "default") || (new == nil && o.origin == "default") {
			continue
		}
		ch := report.Change{Key: k, Old: o.shown, New: n.shown, OldOrigin: o.origin, NewOrigin: n.origin}
		if o.shown == n.shown {
			ch.New = n.shown + ", changed"
		}
		// A config that appears or goes away has no running cluster
		// behind that side to strand.
		if cc.Status == "changed" {
			if r := Classify(ref.Component, configs.SchemaKey(k)); r != "" {
				ch.Dangerous, ch.Reason = true, r
			}
		}
		cc.Changes = append(cc.Changes, ch)
	}
	sort.Slice(cc.Changes, func(i, j int) bool {
		a, b := cc.Changes[i], cc.Changes[j]
		if a.Dangerous != b.Dangerous {
			return a.Dangerous
		}
		return a.Key < b.Key
	})
	return cc
}
