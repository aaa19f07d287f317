package configs

import "strings"

// grpcDefaults are the code defaults of [grpc] bind_addr, used when the
// catalog gives none (SCHEMA.md sections 1-5).
var grpcDefaults = map[Component]string{
	Metasrv:    "127.0.0.1:3002",
	Datanode:   "127.0.0.1:3001",
	Frontend:   "127.0.0.1:4001",
	Flownode:   "127.0.0.1:3004",
	Standalone: "127.0.0.1:4001",
}

// DeprecatedGRPC maps, per component, the deprecated top-level keys that
// override [grpc] keys when set (SCHEMA.md sections 1, 2 and 7).
var DeprecatedGRPC = map[Component][][2]string{
	Metasrv: {
		{"bind_addr", "grpc.bind_addr"},
		{"server_addr", "grpc.server_addr"},
	},
	Datanode: {
		{"rpc_addr", "grpc.bind_addr"},
		{"rpc_hostname", "grpc.server_addr"},
		{"rpc_runtime_size", "grpc.runtime_size"},
		{"rpc_max_recv_message_size", "grpc.max_recv_message_size"},
		{"rpc_max_send_message_size", "grpc.max_send_message_size"},
	},
}

// EffectiveAddr returns the address GreptimeDB uses for a [grpc] key of f
// (grpc.bind_addr or grpc.server_addr), the key it comes from (a deprecated
// override wins), and whether it is written in the file or env rather than
// taken from the default. A server_addr with nothing set is "".
func EffectiveAddr(f *File, key string) (string, string, bool) {
	for _, d := range DeprecatedGRPC[f.Component] {
		if d[1] == key {
			if s, _, ok := f.LookupString(d[0]); ok && s != "" {
				return s, d[0], true
			}
		}
	}
	if s, _, ok := f.LookupString(key); ok && s != "" {
		return s, key, true
	}
	return AddrDefault(f.Component, key), key, false
}

// AddrDefault is GreptimeDB's default for an address key of comp.
func AddrDefault(comp Component, key string) string {
	if sp := SchemaFor(comp).Lookup(key); sp != nil && sp.Default != "" {
		return strings.Trim(sp.Default, `"`)
	}
	switch key {
	case "grpc.bind_addr":
		return grpcDefaults[comp]
	case "http.addr":
		return "127.0.0.1:4000"
	case "mysql.addr":
		return "127.0.0.1:4002"
	case "postgres.addr":
		return "127.0.0.1:4003"
	case "internal_grpc.bind_addr":
		return "127.0.0.1:4010"
	}
	return ""
}

// Listener is one address a component binds.
type Listener struct {
	// Key is the key that sets the address: a deprecated one (rpc_addr)
	// when that is what GreptimeDB reads.
	Key string
	// Addr is the address as written (even empty or malformed: the probes
	// report those), else GreptimeDB's default.
	Addr string
	// Set says Addr was written in the file or the environment.
	Set bool
}

// Listeners returns the addresses f binds, defaults included, in the order
// GreptimeDB starts its servers: HTTP, gRPC, the public API server when
// enabled, and for a frontend or standalone MySQL and PostgreSQL unless
// disabled and [internal_grpc] when present. This is the one list the
// port-clash rule and the frontend listen probes share.
func Listeners(f *File) []Listener {
	var out []Listener
	lookup := func(key string) {
		if s, _, ok := f.LookupString(key); ok {
			out = append(out, Listener{Key: key, Addr: s, Set: true})
			return
		}
		out = append(out, Listener{Key: key, Addr: AddrDefault(f.Component, key)})
	}
	enabled := func(key string) bool {
		v, _, _ := f.Lookup(key)
		b, ok := AsBool(v)
		return !ok || b
	}
	lookup("http.addr")
	addr, key, set := EffectiveAddr(f, "grpc.bind_addr")
	out = append(out, Listener{Key: key, Addr: addr, Set: set})
	if v, _, _ := f.Lookup("http.enable_api_server"); v == true {
		lookup("http.api_server_addr")
	}
	if f.Component == Frontend || f.Component == Standalone {
		for _, srv := range []string{"mysql", "postgres"} {
			if enabled(srv + ".enable") {
				lookup(srv + ".addr")
			}
		}
		if _, _, ok := f.Lookup("internal_grpc.bind_addr"); ok || f.Has("internal_grpc") {
			lookup("internal_grpc.bind_addr")
		}
	}
	return out
}
