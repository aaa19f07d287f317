package lint

import (
	"fmt"
	"net"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// These rules compare the files checked together: a cluster only works when
// its components agree on addresses, node ids, storage, WAL and GC. Each
// finding is put in the file and at the key that should change, and names
// the other file.

var ruleMetasrvAddrMismatch = &ClusterRule{
	Rule: report.Rule{
		ID:       "metasrv-addr-mismatch",
		Severity: report.Error,
		Summary:  "a metasrv_addrs entry that matches no metasrv checked with it",
		Help:     "list the address metasrv advertises (its grpc.server_addr, or grpc.bind_addr) in meta_client.metasrv_addrs",
	},
	Check: func(c *ClusterContext) {
		metas := c.ByComponent(configs.Metasrv)
		if len(metas) == 0 {
			return
		}
		type served struct {
			f          *configs.File
			addr       string
			host, port string
		}
		var addrs []served
		var desc []string
		for _, m := range metas {
			bind, _, _ := configs.EffectiveAddr(m, "grpc.bind_addr")
			server, _, serverSet := configs.EffectiveAddr(m, "grpc.server_addr")
			// Peers reach a metasrv that advertises an address at that
			// address only, whatever it binds (0.0.0.0 included).
			cands := []string{server, bind}
			if serverSet {
				cands = cands[:1]
			}
			for _, a := range cands {
				if h, p, err := configs.ParseAddr(a); err == nil {
					addrs = append(addrs, served{m, a, h, fmt.Sprint(p)})
				}
			}
			if serverSet {
				desc = append(desc, fmt.Sprintf("%s advertises %q", m.Path, server))
			} else {
				desc = append(desc, fmt.Sprintf("%s listens on %q", m.Path, bind))
			}
		}
		for _, f := range c.Files {
			if f.Tree == nil || !contains([]string{"frontend", "datanode", "flownode"}, string(f.Component)) {
				continue
			}
			for i, s := range metasrvAddrs(f) {
				h, p, err := configs.ParseAddr(s)
				if err != nil {
					continue // invalid-address reports it
				}
				matched := false
				for _, a := range addrs {
					if a.port == fmt.Sprint(p) && hostsMatch(a.host, h) {
						matched = true
						break
					}
				}
				if !matched {
					key := fmt.Sprintf("meta_client.metasrv_addrs[%d]", i)
					c.Report(f, key, "", "%s %q matches no metasrv: %s", key, s, strings.Join(desc, ", "))
				}
			}
		}
	},
}

// hostsMatch reports whether two hosts may be the same: equal, either one
// unspecified (a 0.0.0.0 bind accepts any address), both loopback, or a DNS
// name that cannot be resolved statically. Only two different literal
// addresses are known to differ.
func hostsMatch(a, b string) bool {
	if strings.EqualFold(a, b) || configs.IsUnspecifiedHost(a) || configs.IsUnspecifiedHost(b) {
		return true
	}
	la, lb := configs.IsLoopbackHost(a), configs.IsLoopbackHost(b)
	if la && lb {
		return true
	}
	return (!la && !isIPLiteral(a)) || (!lb && !isIPLiteral(b))
}

// isIPLiteral reports whether host is an IP address, bracketed or not.
func isIPLiteral(host string) bool {
	return net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")) != nil
}

var ruleDuplicateNodeID = &ClusterRule{
	Rule: report.Rule{
		ID:       "duplicate-node-id",
		Severity: report.Error,
		Summary:  "two datanodes (or two flownodes) with the same node_id",
		Help:     "give every datanode, and every flownode, its own node_id",
	},
	Check: func(c *ClusterContext) {
		for _, comp := range []configs.Component{configs.Datanode, configs.Flownode} {
			seen := map[string]*configs.File{}
			for _, f := range c.ByComponent(comp) {
				v, _, ok := f.Lookup("node_id")
				if !ok {
					continue
				}
				id := fmt.Sprint(v)
				if first, dup := seen[id]; dup {
					c.Report(f, "node_id", "", "node_id %s is also the node_id of %s: every %s needs its own", id, first.Path, comp)
					continue
				}
				seen[id] = f
			}
		}
	},
}

// storageIdentity is what datanodes must agree on to share one object store.
type storageIdentity struct {
	f      *configs.File
	fields [][3]string // key, value, shown value
}

func (s storageIdentity) id() string {
	var b strings.Builder
	for _, fl := range s.fields {
		b.WriteString(fl[1] + "\x00")
	}
	return b.String()
}

// datanodeStorage reads type, bucket (or container), root and endpoint of
// a datanode's [storage], normalised for comparison.
func datanodeStorage(f *configs.File) storageIdentity {
	out := storageIdentity{f: f}
	add := func(name, raw, norm string, set bool) {
		shown := "not set"
		if set {
			shown = fmt.Sprintf("%q", raw)
		}
		out.fields = append(out.fields, [3]string{"storage." + name, norm, shown})
	}
	typ := storageType(f, "storage")
	_, _, typeSet := f.LookupString("storage.type")
	add("type", typ, typ, typeSet)
	if typ == "File" {
		return out
	}
	bucket := "bucket"
	if typ == "Azblob" {
		bucket = "container"
	}
	for _, name := range []string{bucket, "root", "endpoint"} {
		v, _, ok := f.LookupString("storage." + name)
		norm := v
		switch name {
		case "root":
			norm = strings.Trim(v, "/")
		case "endpoint":
			norm = strings.TrimRight(v, "/")
		}
		add(name, v, norm, ok)
	}
	return out
}

var ruleStorageMismatch = &ClusterRule{
	Rule: report.Rule{
		ID:       "storage-mismatch",
		Severity: report.Error,
		Summary:  "datanodes that do not share one object storage (type, bucket or container, root, endpoint)",
		Help:     "give every datanode the same [storage] type, bucket (or container), root and endpoint",
	},
	Check: func(c *ClusterContext) {
		dns := c.ByComponent(configs.Datanode)
		if len(dns) < 2 {
			return
		}
		var ids []storageIdentity
		count := map[string]int{}
		allFile := true
		for _, f := range dns {
			s := datanodeStorage(f)
			ids = append(ids, s)
			count[s.id()]++
			if s.fields[0][1] != "File" {
				allFile = false
			}
		}
		// Datanodes on local disks each keep their own regions; nothing to share.
		if allFile {
			return
		}
		// The most common storage is taken as the intended one; ties go to
		// the first file.
		ref := ids[0]
		for _, s := range ids {
			if count[s.id()] > count[ref.id()] {
				ref = s
			}
		}
		for _, s := range ids {
			if s.id() == ref.id() {
				continue
			}
			for i, fl := range s.fields {
				if i < len(ref.fields) && fl[0] == ref.fields[i][0] && fl[1] == ref.fields[i][1] {
					continue
				}
				other := "not set"
				if i < len(ref.fields) {
					other = ref.fields[i][2]
				}
				c.Report(s.f, fl[0], "", "%s is %s here but %s in %s: all datanodes must share one object storage", fl[0], fl[2], other, ref.f.Path)
				break
			}
		}
	},
}

var ruleWALMismatch = &ClusterRule{
	Rule: report.Rule{
		ID:       "wal-mismatch",
		Severity: report.Error,
		Summary:  "metasrv and datanodes disagree on the WAL provider or Kafka brokers",
		Help:     `use wal.provider = "kafka" with the same broker_endpoints in metasrv and every datanode, or raft_engine in all of them`,
	},
	Check: func(c *ClusterContext) {
		metas := c.ByComponent(configs.Metasrv)
		if len(metas) == 0 {
			return
		}
		m := metas[0]
		mp := walProvider(m)
		for _, f := range c.ByComponent(configs.Datanode) {
			dp := walProvider(f)
			if (mp == "kafka") != (dp == "kafka") {
				c.Report(f, "wal.provider", "", "wal.provider is %q here but %q in %s: every CREATE TABLE fails with \"Incompatible WAL provider change\"", dp, mp, m.Path)
				continue
			}
			if mp != "kafka" {
				continue
			}
			mb, db := brokers(m), brokers(f)
			if !sharesBroker(mb, db) {
				c.Report(f, "wal.broker_endpoints", "", "wal.broker_endpoints %s shares no broker with %s in %s", quoteList(db), quoteList(mb), m.Path)
			}
		}
	},
}

// brokers returns the effective Kafka broker_endpoints of f.
func brokers(f *configs.File) []string {
	if v, _, ok := f.Lookup("wal.broker_endpoints"); ok {
		return stringList(v)
	}
	return []string{"127.0.0.1:9092"}
}

// sharesBroker reports whether two broker lists may name the same Kafka
// cluster: some pair of endpoints has the same port and matching hosts.
func sharesBroker(a, b []string) bool {
	for _, x := range a {
		hx, px, err := configs.ParseAddr(x)
		if err != nil {
			return true // invalid-address reports it; do not guess
		}
		for _, y := range b {
			hy, py, err := configs.ParseAddr(y)
			if err != nil {
				return true
			}
			if fmt.Sprint(px) == fmt.Sprint(py) && hostsMatch(hx, hy) {
				return true
			}
		}
	}
	return false
}

var ruleGCMismatch = &ClusterRule{
	Rule: report.Rule{
		ID:       "gc-mismatch",
		Severity: report.Error,
		Summary:  "metasrv [gc] enable differs from a datanode's region_engine.mito.gc.enable",
		Help:     "set metasrv gc.enable and every datanode's [region_engine.mito.gc] enable to the same value",
	},
	Check: func(c *ClusterContext) {
		metas := c.ByComponent(configs.Metasrv)
		if len(metas) == 0 {
			return
		}
		m := metas[0]
		mv := boolAt(m, "gc.enable", false)
		for _, f := range c.ByComponent(configs.Datanode) {
			key := mitoKey(f) + ".gc.enable"
			if dv := boolAt(f, key, false); dv != mv {
				c.Report(f, key, "", "%s is %t here but gc.enable is %t in %s: both must agree", displayKey(key), dv, mv, m.Path)
			}
		}
	},
}

// mitoKey returns the canonical key of the datanode's mito engine table,
// "region_engine[i].mito", or "region_engine.mito" when there is none.
func mitoKey(f *configs.File) string {
	v, _ := f.Get("region_engine")
	var elems []map[string]any
	switch arr := v.(type) {
	case []map[string]any:
		elems = arr
	case []any:
		for _, el := range arr {
			m, _ := el.(map[string]any)
			elems = append(elems, m)
		}
	}
	for i, el := range elems {
		if _, ok := el["mito"]; ok {
			return fmt.Sprintf("region_engine[%d].mito", i)
		}
	}
	return "region_engine.mito"
}

// listener is one address a component binds.
type listener struct {
	f          *configs.File
	key, addr  string
	host, port string
	set        bool
}

// listeners returns the addresses f binds that parse (configs.Listeners,
// defaults included): a malformed one is invalid-address's to report.
func listeners(f *configs.File) []listener {
	var out []listener
	for _, l := range configs.Listeners(f) {
		h, p, err := configs.ParseAddr(l.Addr)
		if err != nil || fmt.Sprint(p) == "0" {
			continue
		}
		out = append(out, listener{f, l.Key, l.Addr, h, fmt.Sprint(p), l.Set})
	}
	return out
}

var rulePortClash = &ClusterRule{
	Rule: report.Rule{
		ID:       "port-clash",
		Severity: report.Error,
		Summary:  "two components (or two servers of one) binding the same port on one host",
		Help:     "give each server on a host its own port (every component's HTTP server defaults to 127.0.0.1:4000)",
	},
	Check: func(c *ClusterContext) {
		single := multiHost(c) == ""
		var all []listener
		for _, f := range c.Files {
			if f.Tree != nil {
				all = append(all, listeners(f)...)
			}
		}
		for j, b := range all {
			for _, a := range all[:j] {
				if a.port != b.port || !sameHost(a, b, single) {
					continue
				}
				// Certain when one file or one literal host binds both;
				// inferred from loopback addresses, it is only likely.
				sev, maybe := report.Error, " on one host"
				if a.f != b.f && !sameLiteralHost(a, b) {
					sev, maybe = report.Warning, " if these components run on one host"
				}
				// Report at the address someone wrote rather than at a
				// default: that is the one to change.
				target, other := b, a
				if !b.set && a.set {
					target, other = a, b
				}
				where := "in " + other.f.Path
				if a.f == b.f {
					where = "in the same file"
				}
				c.ReportSeverity(sev, target.f, target.key, "", "%s %s clashes with %s %s %s: both bind port %s%s",
					displayKey(target.key), showAddr(target), displayKey(other.key), showAddr(other), where, b.port, maybe)
				break
			}
		}
	},
}

// showAddr renders a listener's address, marking a default.
func showAddr(l listener) string {
	if l.set {
		return fmt.Sprintf("%q", l.addr)
	}
	return fmt.Sprintf("%q (default)", l.addr)
}

// sameLiteralHost reports whether two listeners name the same host that is
// neither loopback nor unspecified, which places them on one machine.
func sameLiteralHost(a, b listener) bool {
	return strings.EqualFold(a.host, b.host) && !configs.IsUnspecifiedHost(a.host) && !configs.IsLoopbackHost(a.host)
}

// sameHost reports whether two listeners are on one host. Within a file,
// they always are. Across files, the same literal non-loopback host is; two
// loopback or unspecified binds, or an unspecified bind and a literal host,
// are when the files describe a single-host cluster (see multiHost).
func sameHost(a, b listener, single bool) bool {
	ua, ub := configs.IsUnspecifiedHost(a.host), configs.IsUnspecifiedHost(b.host)
	la, lb := configs.IsLoopbackHost(a.host), configs.IsLoopbackHost(b.host)
	if a.f == b.f {
		return strings.EqualFold(a.host, b.host) || ua || ub || (la && lb)
	}
	if strings.EqualFold(a.host, b.host) && !ua && !la {
		return true
	}
	if (la || ua) && (lb || ub) {
		return single
	}
	return single && (ua || ub)
}

// boolAt returns the effective boolean at key (file or env), else def.
func boolAt(f *configs.File, key string, def bool) bool {
	v, _, _ := f.Lookup(key)
	if b, ok := configs.AsBool(v); ok {
		return b
	}
	return def
}
