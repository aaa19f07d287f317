package configs

import "strings"

// The curated layer: what GreptimeDB's loader does that no example config
// or config.md states, read in its Rust source, each fact with the releases
// it holds for. SchemaAt applies the facts in range on top of the catalog
// and the generated key records. A new release needs no edit here unless
// its code changed one of these facts: then end the old fact's range (To)
// and add the new one (From).

// Fact is one curated fact about one key.
type Fact struct {
	// Components the fact is about; empty means every component that has
	// the key.
	Components []Component
	Key        string
	// From and To bound the releases the fact holds for, both included;
	// "" is open. Names are release names from versions/releases.txt.
	From, To string
	// Kind replaces the key's kind (a catalog kind word: "int",
	// "enum:a|b").
	Kind string
	// Int is the Rust integer type (u8, u16, u32, u64, usize, i16, i32,
	// i64).
	Int string
	// NonZero marks a NonZero* field.
	NonZero bool
	// Listen marks an address parsed as a socket address at start.
	Listen bool
	// Enterprise lists values only enterprise builds accept.
	Enterprise []string
	// Required says when the key must be written.
	Required string
	// Absent: the key is not read in this range.
	Absent bool
	// Source names where in GreptimeDB the fact was read.
	Source string
}

var allServers = []Component{Frontend, Datanode, Flownode, Standalone}

// Curated is the curated layer.
var Curated = []Fact{
	// Integer widths. Every component deserializes into these Rust types;
	// a value that does not fit (or a negative one into an unsigned type)
	// fails at load with "invalid value".
	{Components: []Component{Datanode}, Key: "node_id", Int: "u64", Source: "src/datanode/src/config.rs"},
	{Components: []Component{Flownode}, Key: "node_id", Int: "u64", Source: "src/flow/src/adapter.rs FlownodeOptions"},
	{Components: []Component{Datanode, Standalone}, Key: "init_regions_parallelism", Int: "usize", Source: "src/datanode/src/config.rs"},
	{Components: []Component{Datanode}, Key: "max_concurrent_queries", Int: "usize", Source: "src/datanode/src/config.rs"},
	{Key: "grpc.runtime_size", Int: "usize", Source: "src/servers/src/grpc.rs GrpcOptions"},
	{Key: "internal_grpc.runtime_size", Int: "usize", Source: "src/servers/src/grpc.rs GrpcOptions"},
	{Key: "mysql.runtime_size", Int: "usize", Source: "src/frontend/src/service_config/mysql.rs"},
	{Key: "postgres.runtime_size", Int: "usize", Source: "src/frontend/src/service_config/postgres.rs"},
	{Key: "logging.max_log_files", Int: "usize", Source: "src/common/telemetry/src/logging.rs"},
	{Key: "procedure.max_retry_times", Int: "usize", Source: "src/common/procedure/src/options.rs"},
	{Key: "procedure.max_running_procedures", Int: "usize", Source: "src/common/procedure/src/options.rs"},
	{Key: "meta_client.metadata_cache_max_capacity", Int: "u64", Source: "src/meta-client/src/lib.rs"},
	{Key: "region_engine[].mito.num_workers", Int: "usize", Source: "src/mito2/src/config.rs"},
	{Key: "region_engine[].mito.worker_channel_size", Int: "usize", Source: "src/mito2/src/config.rs"},
	{Key: "region_engine[].mito.worker_request_batch_size", Int: "usize", Source: "src/mito2/src/config.rs"},
	{Key: "region_engine[].mito.manifest_checkpoint_distance", Int: "u64", Source: "src/mito2/src/config.rs"},
	{Key: "region_engine[].mito.max_background_flushes", Int: "usize", Source: "src/mito2/src/config.rs"},
	{Key: "region_engine[].mito.max_background_compactions", Int: "usize", Source: "src/mito2/src/config.rs"},
	{Key: "region_engine[].mito.max_background_purges", Int: "usize", Source: "src/mito2/src/config.rs"},
	{Key: "region_engine[].mito.index_cache_percent", Int: "u8", From: "v1.0.0-beta.1", Source: "src/mito2/src/config.rs"},
	{Key: "wal.num_topics", Int: "usize", Source: "src/common/wal/src/config/kafka/common.rs"},
	{Key: "wal.num_partitions", Int: "i32", Source: "src/common/wal/src/config/kafka/common.rs"},
	{Key: "wal.replication_factor", Int: "i16", Source: "src/common/wal/src/config/kafka/common.rs"},
	{Key: "wal.recovery_parallelism", Int: "usize", Source: "src/common/wal/src/config/raft_engine.rs"},
	{Key: "wal.read_batch_size", Int: "usize", Source: "src/common/wal/src/config/raft_engine.rs"},
	{Key: "flow.num_workers", Int: "usize", Source: "src/flow/src/adapter.rs FlowConfig"},
	{Key: "query.parallelism", Int: "usize", Source: "src/query/src/options.rs"},
	{Components: []Component{Metasrv}, Key: "max_txn_ops", Int: "usize", Source: "src/meta-srv/src/metasrv.rs"},

	// [runtime] is read leniently (the config layer converts "8" and 4.0 to
	// the integer): no kind check.
	{Key: "runtime.global_rt_size", Kind: "any", Source: "src/common/runtime/src/global.rs via the config crate's conversions"},
	{Key: "runtime.compact_rt_size", Kind: "any", Source: "src/common/runtime/src/global.rs via the config crate's conversions"},
	{Key: "runtime.compact_rt_max_blocking_threads", Kind: "any", Source: "src/common/runtime/src/global.rs"},
	{Key: "runtime.query_rt_size", Kind: "any", Source: "src/common/runtime/src/global.rs"},
	{Key: "runtime.ingest_rt_size", Kind: "any", Source: "src/common/runtime/src/global.rs"},

	// NonZero fields: 0 fails at load.
	{Components: []Component{Frontend, Standalone}, Key: "prom_store.flow_notification_queue_capacity", From: "v1.2.0-beta.1", Int: "usize", NonZero: true,
		Source: "src/frontend/src/service_config/prom_store.rs (NonZeroUsize)"},

	// Listen addresses parsed with str::parse::<SocketAddr>() at start:
	// "localhost:4000" stops the server. Metasrv's grpc.bind_addr goes to
	// TcpListener::bind, which resolves names, so it is not listed.
	{Key: "http.addr", Listen: true, Source: "src/frontend/src/server.rs parse_addr, src/datanode/src/service.rs, src/meta-srv/src/bootstrap.rs"},
	{Components: allServers, Key: "grpc.bind_addr", Listen: true, Source: "src/frontend/src/server.rs parse_addr, src/datanode/src/service.rs, src/flow/src/server.rs"},
	{Components: []Component{Frontend}, Key: "internal_grpc.bind_addr", Listen: true, From: "v0.17.0", Source: "src/frontend/src/server.rs parse_addr"},
	{Components: []Component{Frontend, Standalone}, Key: "mysql.addr", Listen: true, Source: "src/frontend/src/server.rs parse_addr"},
	{Components: []Component{Frontend, Standalone}, Key: "postgres.addr", Listen: true, Source: "src/frontend/src/server.rs parse_addr"},

	// Fields with no default where their section is an Option that is
	// None by default: GreptimeDB's config layer has no default to merge,
	// so a written section must carry them.
	{Components: []Component{Frontend}, Key: "internal_grpc.tls.mode", From: "v0.17.0", Required: "when [internal_grpc.tls] is written ([internal_grpc] has no default, so TlsOption.mode is not filled in)",
		Source: "src/servers/src/tls.rs TlsOption (mode has no serde default); FrontendOptions.internal_grpc: Option<GrpcOptions>"},
	{Components: []Component{Flownode}, Key: "flow.batching_mode.frontend_tls.enabled", From: "v0.17.0", Required: "when [flow.batching_mode.frontend_tls] is written (the section is None by default)",
		Source: "src/common/grpc/src/channel_manager.rs ClientTlsOption (enabled has no serde default)"},

	// Edition-only values.
	{Components: []Component{Datanode}, Key: "workload_types", Enterprise: []string{"ingest", "query"},
		Source: "src/common/workload/src/lib.rs DatanodeWorkloadType (open source: hybrid only)"},
	{Components: []Component{Metasrv}, Key: "gc.experimental_soft_drop.enable", From: "v1.2.0-beta.1", Enterprise: []string{"true"},
		Source: "src/meta-srv/src/gc/options.rs: only available in GreptimeDB Enterprise Edition"},
}

// Alias is a field GreptimeDB reads under a second name (serde alias):
// writing both is a "duplicate field" load error.
type Alias struct {
	Components  []Component
	Name, Alias string
	// Since is the first release with the alias.
	Since string
}

// Aliases lists the serde aliases of config fields.
var Aliases = []Alias{
	{Components: []Component{Datanode, Standalone}, Name: "wal.max_batch_bytes", Alias: "wal.max_batch_size", Since: "v0.12.0"},
}

// applyCurated applies the facts that hold at release r to component c's
// specs.
func applyCurated(specs []Spec, r *Release, c Component) []Spec {
	for i := range Curated {
		f := &Curated[i]
		if !f.holds(r) || (len(f.Components) > 0 && !hasComp(f.Components, c)) {
			continue
		}
		j := -1
		for k := range specs {
			if specs[k].Key == f.Key {
				j = k
				break
			}
		}
		if f.Absent {
			if j >= 0 {
				specs = append(specs[:j], specs[j+1:]...)
			}
			continue
		}
		if j < 0 {
			continue // the key is not read at this release
		}
		sp := &specs[j]
		if f.Kind != "" {
			kind, elem, enum, err := parseKind(f.Kind)
			if err == nil {
				sp.Kind, sp.Elem, sp.Enum = kind, elem, enum
			}
		}
		if f.Int != "" {
			sp.Int = f.Int
		}
		sp.NonZero = sp.NonZero || f.NonZero
		sp.Listen = sp.Listen || f.Listen
		if len(f.Enterprise) > 0 {
			sp.Enterprise = f.Enterprise
		}
		if f.Required != "" {
			sp.Required = f.Required
		}
	}
	return specs
}

func (f *Fact) holds(r *Release) bool {
	if f.From != "" {
		if from := FindRelease(f.From); from != nil && r.index < from.index {
			return false
		}
	}
	if f.To != "" {
		if to := FindRelease(f.To); to != nil && r.index > to.index {
			return false
		}
	}
	return true
}

func hasComp(list []Component, c Component) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// IntRange gives the bounds of a Rust integer type; ok is false for an
// unknown name. usize is 64 bits (GreptimeDB ships 64-bit builds only).
func IntRange(t string) (lo, hi int64, unsigned bool, ok bool) {
	switch strings.TrimSpace(t) {
	case "u8":
		return 0, 1<<8 - 1, true, true
	case "u16":
		return 0, 1<<16 - 1, true, true
	case "u32":
		return 0, 1<<32 - 1, true, true
	case "u64", "usize":
		return 0, 1<<63 - 1, true, true // TOML integers stop at i64's max
	case "i16":
		return -1 << 15, 1<<15 - 1, false, true
	case "i32":
		return -1 << 31, 1<<31 - 1, false, true
	case "i64":
		return -1 << 63, 1<<63 - 1, false, true
	}
	return 0, 0, false, false
}
