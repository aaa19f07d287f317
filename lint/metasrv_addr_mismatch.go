package lint

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/parallel"
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
			if !f.Parsed() || !contains([]string{"frontend", "datanode", "flownode"}, string(f.Component)) {
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
		Summary:  "datanodes (or flownodes) that share a node_id; one finding per id, the other files as related places",
		Help:     "give every datanode, and every flownode, its own node_id",
	},
	Check: func(c *ClusterContext) {
		// One finding per repeated id, however many files share it: it
		// stands at the last of them (the first keeps its id), the others
		// are its related places.
		for _, comp := range []configs.Component{configs.Datanode, configs.Flownode} {
			byID := map[string][]*configs.File{}
			var ids []string
			for _, f := range c.ByComponent(comp) {
				v, _, ok := f.Lookup("node_id")
				if !ok {
					continue
				}
				id := fmt.Sprint(v)
				if byID[id] == nil {
					ids = append(ids, id)
				}
				byID[id] = append(byID[id], f)
			}
			for _, id := range ids {
				fs := byID[id]
				if len(fs) < 2 {
					continue
				}
				at := len(fs) - 1
				for at > 0 && !c.shown(fs[at]) {
					at--
				}
				if !c.shown(fs[at]) {
					continue
				}
				first := 0
				if at == 0 {
					first = 1
				}
				var related []report.Related
				for i, f := range fs {
					if i != at {
						related = append(related, relatedAt(f, "node_id", fmt.Sprintf("node_id %s here too", id)))
					}
				}
				more := ""
				if len(fs) > 2 {
					more = fmt.Sprintf(" and %d more", len(fs)-2)
				}
				c.ReportGroup(c.rule.Severity, fs[at], "node_id", related, "node_id %s is also the node_id of %s%s: every %s needs its own", id, fs[first].Path, more, comp)
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
		if err != nil || p == 0 {
			continue
		}
		out = append(out, listener{f, l.Key, l.Addr, h, strconv.Itoa(p), l.Set})
	}
	return out
}

var rulePortClash = &ClusterRule{
	Rule: report.Rule{
		ID:       "port-clash",
		Severity: report.Error,
		Summary:  "servers (of several components, or of one) binding the same port on one host; one finding per group, the others as related places",
		Help:     "give each server on a host its own port (every component's HTTP server defaults to 127.0.0.1:4000)",
	},
	Check: func(c *ClusterContext) {
		single := multiHost(c) == ""
		// Each file's listeners are read on every core, then grouped
		// by port in file order.
		each := make([][]listener, len(c.Files))
		parallel.For(context.Background(), len(c.Files), func(i int) {
			if f := c.Files[i]; f.Parsed() {
				each[i] = listeners(f)
			}
		})
		byPort := map[string][]listener{}
		var ports []string
		for _, ls := range each {
			for _, l := range ls {
				if byPort[l.port] == nil {
					ports = append(ports, l.port)
				}
				byPort[l.port] = append(byPort[l.port], l)
			}
		}
		for _, p := range ports {
			portClashes(c, byPort[p], single)
		}
	},
}

// portClashes reports the listeners of one port that share a host, one
// finding per group, in O(n) of the listeners (a thousand datanodes that
// all bind 127.0.0.1:4000 are one finding, not 999). Two groupings:
// certain clashes (one file, or one literal host: errors) and likely ones
// (loopback or unspecified binds of a single-host cluster: warnings), which
// join certain groups that are likely on one host.
func portClashes(c *ClusterContext, ls []listener, single bool) {
	if len(ls) < 2 {
		return
	}
	certain := newUnionFind(len(ls))
	byFile := map[*configs.File][]int{}
	literal := map[string]int{} // lower-case host: its first listener
	var hosts []string
	for i, l := range ls {
		byFile[l.f] = append(byFile[l.f], i)
		if configs.IsUnspecifiedHost(l.host) || configs.IsLoopbackHost(l.host) {
			continue
		}
		h := strings.ToLower(l.host)
		if j, ok := literal[h]; ok {
			certain.union(j, i)
		} else {
			literal[h] = i
			hosts = append(hosts, h)
		}
	}
	// Within a file: a handful of listeners, compared pairwise.
	for _, idx := range byFile {
		for x, i := range idx {
			for _, j := range idx[:x] {
				if sameHost(ls[j], ls[i], single) {
					certain.union(j, i)
				}
			}
		}
	}
	likely := certain.clone()
	if single {
		local, unspec := -1, -1
		for i, l := range ls {
			u := configs.IsUnspecifiedHost(l.host)
			if !u && !configs.IsLoopbackHost(l.host) {
				continue
			}
			if local < 0 {
				local = i
			} else {
				likely.union(local, i)
			}
			if u && unspec < 0 {
				unspec = i
			}
		}
		// An unspecified bind takes the port on every address of the host.
		if unspec >= 0 {
			for _, h := range hosts {
				likely.union(unspec, literal[h])
			}
		}
	}
	for _, g := range certain.groups() {
		reportPortGroup(c, ls, g, certain, report.Error, " on one host")
	}
	for _, g := range likely.groups() {
		roots := map[int]bool{}
		for _, i := range g {
			roots[certain.find(i)] = true
		}
		if len(roots) > 1 {
			reportPortGroup(c, ls, g, certain, report.Warning, " if these components run on one host")
		}
	}
}

// reportPortGroup reports one group of listeners (indexes into ls, in
// order) that bind one port. The finding stands at the last address
// someone wrote (that is the one to change; the first keeps the port),
// else at the last default, and names the first listener outside its own
// certain group.
func reportPortGroup(c *ClusterContext, ls []listener, g []int, certain *unionFind, sev report.Severity, maybe string) {
	at := -1
	for pass := 0; pass < 2 && at < 0; pass++ {
		for k := len(g) - 1; k >= 0; k-- {
			l := ls[g[k]]
			if c.shown(l.f) && (l.set || pass == 1) {
				at = g[k]
				break
			}
		}
	}
	if at < 0 {
		return // no file of the group is reported
	}
	other := -1
	for _, i := range g {
		if i != at && (sev == report.Error || certain.find(i) != certain.find(at)) {
			other = i
			break
		}
	}
	target, o := ls[at], ls[other]
	where := "in " + o.f.Path
	if o.f == target.f {
		where = "in the same file"
	}
	// A group may name a thousand files: their places are found on
	// every core.
	others := make([]int, 0, len(g)-1)
	for _, i := range g {
		if i != at {
			others = append(others, i)
		}
	}
	related := make([]report.Related, len(others))
	parallel.For(context.Background(), len(others), func(k int) {
		l := ls[others[k]]
		related[k] = relatedAt(l.f, l.key, displayKey(l.key)+" "+showAddr(l)+" binds port "+l.port+" too")
	})
	if len(g) == 2 {
		c.ReportGroup(sev, target.f, target.key, related, "%s %s clashes with %s %s %s: both bind port %s%s",
			displayKey(target.key), showAddr(target), displayKey(o.key), showAddr(o), where, target.port, maybe)
		return
	}
	c.ReportGroup(sev, target.f, target.key, related, "%s %s clashes with %s %s %s and %d more: %d servers bind port %s%s",
		displayKey(target.key), showAddr(target), displayKey(o.key), showAddr(o), where, len(g)-2, len(g), target.port, maybe)
}

// unionFind groups indexes 0..n-1 (path halving, union by index: the
// smaller index is the root, which keeps groups in input order).
type unionFind struct{ parent []int }

func newUnionFind(n int) *unionFind {
	u := &unionFind{parent: make([]int, n)}
	for i := range u.parent {
		u.parent[i] = i
	}
	return u
}

func (u *unionFind) clone() *unionFind {
	return &unionFind{parent: append([]int(nil), u.parent...)}
}

func (u *unionFind) find(i int) int {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return i
}

func (u *unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra > rb {
		ra, rb = rb, ra
	}
	u.parent[rb] = ra
}

// groups returns the groups of two or more, each in index order, ordered
// by their first index.
func (u *unionFind) groups() [][]int {
	by := map[int][]int{}
	var roots []int
	for i := range u.parent {
		r := u.find(i)
		if by[r] == nil {
			roots = append(roots, r)
		}
		by[r] = append(by[r], i)
	}
	var out [][]int
	for _, r := range roots {
		if len(by[r]) > 1 {
			out = append(out, by[r])
		}
	}
	return out
}

// showAddr renders a listener's address, marking a default.
func showAddr(l listener) string {
	if l.set {
		return strconv.Quote(l.addr)
	}
	return strconv.Quote(l.addr) + " (default)"
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
