package lint

import (
	"context"
	"fmt"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/parallel"
	"github.com/stepstone-dev/stepstone/report"
)

// Addresses are plain host:port strings everywhere GreptimeDB reads one:
// listen and advertised gRPC/HTTP addresses, metasrv_addrs and Kafka
// broker_endpoints. tonic turns them into URIs itself, so an unbracketed IPv6
// address fails with InvalidUri(InvalidAuthority) (greptimedb issue #8220).

var ruleInvalidAddress = &Rule{
	Rule: report.Rule{
		ID:       "invalid-address",
		Severity: report.Error,
		Summary:  "an address that is not host:port (port 1-65535, IPv6 in brackets, no scheme)",
		Help:     `write host:port, such as "10.0.0.5:3002" or "[fd00::1]:3002", without a scheme`,
		URL:      "https://github.com/GreptimeTeam/greptimedb/issues/8220",
	},
	Check: func(c *Context) {
		for _, v := range specValues(c) {
			// Metadata store addresses may be DSNs; metadata-store-address
			// checks them against the backend.
			if v.sk == "store_addrs" {
				continue
			}
			switch {
			case v.spec.Kind == configs.KindAddr:
				s, ok := v.val.(string)
				if !ok {
					continue
				}
				// An empty advertised address means "derive it", and the
				// deprecated metasrv keys default to "" (not set).
				if s == "" && (v.spec.Default == "" || leaf(v.key) == "server_addr") {
					continue
				}
				checkAddr(c, v, v.key, s)
			case v.spec.Kind == configs.KindArray && v.spec.Elem == configs.KindAddr:
				arr, _ := v.val.([]any)
				for i, el := range arr {
					if s, ok := el.(string); ok {
						checkAddr(c, v, fmt.Sprintf("%s[%d]", v.key, i), s)
					}
				}
			}
		}
	},
}

// checkAddr reports s at key (an element key for arrays) if it does not
// parse as host:port.
func checkAddr(c *Context, v valueRef, key, s string) {
	// An advertised address may be a bare host: GreptimeDB then adds the
	// bind port (see the catalog's grpc.server_addr).
	if leaf(v.key) == "server_addr" && !strings.Contains(s, ":") && s != "" && !strings.ContainsAny(s, "/@ ") {
		return
	}
	_, _, err := configs.ParseAddr(s)
	if err == nil {
		return
	}
	if v.env != "" {
		c.ReportEnv(key, "", "%s: %v (from env %s)", displayIndexed(key), err, v.env)
		return
	}
	c.ReportValue(key, "", "%s: %v", displayIndexed(key), err)
}

// displayIndexed renders a canonical key for messages, keeping the index of
// an inline array element ("meta_client.metasrv_addrs[1]") but dropping
// array-of-table indexes like displayKey.
func displayIndexed(key string) string {
	if strings.HasSuffix(key, "]") {
		if i := strings.LastIndexByte(key, '['); i > 0 {
			return displayKey(key[:i]) + key[i:]
		}
	}
	return displayKey(key)
}

var ruleUnspecifiedServerAddr = &Rule{
	Rule: report.Rule{
		ID:       "unspecified-server-addr",
		Severity: report.Error,
		Summary:  "an advertised server_addr of 0.0.0.0 or ::, which no peer can dial",
		Help:     "advertise an address peers can reach (the host's IP or DNS name); keep 0.0.0.0 in bind_addr only",
	},
	Check: func(c *Context) {
		// A standalone server is dialled by clients only, never by peers.
		if c.File.Component == configs.Standalone {
			return
		}
		for _, k := range advertisedKeys(c.File.Component) {
			s, origin, ok := c.File.LookupString(k)
			if !ok || s == "" {
				continue
			}
			if !configs.IsUnspecifiedHost(addrHost(s)) {
				continue
			}
			msg := fmt.Sprintf("%s %q is an unspecified address that metasrv and other nodes cannot dial", displayKey(k), s)
			if origin.Kind == configs.OriginEnv {
				c.ReportEnv(k, "", "%s (from env %s)", msg, origin.Var)
				continue
			}
			c.ReportValue(k, "", "%s", msg)
		}
	},
}

// addrHost returns the host of an address, or the whole string when it is
// a bare host; "" when it does not parse.
func addrHost(s string) string {
	if !strings.Contains(s, ":") {
		return s
	}
	host, _, err := configs.ParseAddr(s)
	if err != nil {
		return "\x00"
	}
	return host
}

// advertisedKeys lists the keys of component comp that set an address other
// nodes dial, deprecated spellings included.
func advertisedKeys(comp configs.Component) []string {
	keys := []string{"grpc.server_addr"}
	switch comp {
	case configs.Metasrv:
		keys = append(keys, "server_addr")
	case configs.Datanode:
		keys = append(keys, "rpc_hostname")
	case configs.Frontend:
		keys = append(keys, "internal_grpc.server_addr")
	}
	return keys
}

var ruleLoopbackServerAddr = &ClusterRule{
	Rule: report.Rule{
		ID:       "loopback-server-addr",
		Severity: report.Warning,
		Summary:  "a loopback server_addr in a cluster whose components live on different hosts",
		Help:     "advertise an address the other hosts can reach (the host's IP or DNS name) in grpc.server_addr",
	},
	Check: func(c *ClusterContext) {
		if len(c.Files) < 2 {
			return
		}
		why := multiHost(c)
		if why == "" {
			return
		}
		for _, f := range c.Files {
			if !f.Parsed() || f.Component == configs.Standalone {
				continue
			}
			addr, key, set := configs.EffectiveAddr(f, "grpc.server_addr")
			if !set {
				continue
			}
			host, _, err := configs.ParseAddr(addr)
			if err != nil || !configs.IsLoopbackHost(host) {
				continue
			}
			c.Report(f, key, "", "%s %q is a loopback address, but the cluster spans several hosts (%s)", displayKey(key), addr, why)
		}
	},
}

// multiHost tells whether the files checked together describe components
// on different hosts, and why: their bind or server addresses name two
// different non-loopback hosts, or a metasrv_addrs entry names a
// non-loopback host. It returns "" for a single host (or when it cannot tell).
func multiHost(c *ClusterContext) string { return c.hosts() }

// fileHosts is what multiHost reads of one file: the non-loopback,
// specified hosts of its gRPC bind and server addresses, and the first
// such metasrv_addrs entry.
type fileHosts struct {
	hosts   []string
	metasrv string
}

// remoteHost returns the host of addr when it parses and is neither
// loopback nor unspecified: one that names a machine.
func remoteHost(addr string) (string, bool) {
	host, _, err := configs.ParseAddr(addr)
	return host, err == nil && !configs.IsLoopbackHost(host) && !configs.IsUnspecifiedHost(host)
}

// findMultiHost is multiHost over files, each file read on every core.
func findMultiHost(files []*configs.File) string {
	facts := make([]fileHosts, len(files))
	parallel.For(context.Background(), len(files), func(i int) {
		f := files[i]
		if !f.Parsed() {
			return
		}
		h := &facts[i]
		for _, k := range []string{"grpc.bind_addr", "grpc.server_addr"} {
			addr, _, set := configs.EffectiveAddr(f, k)
			if !set {
				continue
			}
			if host, ok := remoteHost(addr); ok {
				h.hosts = append(h.hosts, host)
			}
		}
		for _, s := range metasrvAddrs(f) {
			if _, ok := remoteHost(s); ok {
				h.metasrv = s
				break
			}
		}
	})
	first, firstFile := "", ""
	for i, h := range facts {
		for _, host := range h.hosts {
			switch {
			case first == "":
				first, firstFile = host, files[i].Path
			case !strings.EqualFold(first, host):
				return fmt.Sprintf("%s names %s and %s names %s", firstFile, first, files[i].Path, host)
			}
		}
	}
	for i, h := range facts {
		if h.metasrv != "" {
			return fmt.Sprintf("%s dials metasrv at %s", files[i].Path, h.metasrv)
		}
	}
	return ""
}

// metasrvAddrs returns the metasrv_addrs f sets, from the file or env; nil
// when unset. Non-string elements are skipped (type-mismatch reports them).
func metasrvAddrs(f *configs.File) []string {
	v, _, ok := f.Lookup("meta_client.metasrv_addrs")
	if !ok {
		return nil
	}
	return stringList(v)
}

// stringList returns the strings of an array value, or a one-element list
// for a plain string.
func stringList(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, el := range x {
			if s, ok := el.(string); ok {
				out = append(out, s)
			}
		}
	case string:
		out = append(out, x)
	}
	return out
}
