package configs

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// sharedDir is where the GreptimeDB reference configs live: the shared/
// folder sits beside the repository checkout, locally and in CI.
const sharedDir = "../../shared/greptime-configs"

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	path := filepath.Join(sharedDir, rel)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read %s: %v\nthe GreptimeDB reference configs must be checked out at ../shared beside the repository (see shared/greptime-configs/upstream/SOURCE.md)", path, err)
	}
	return data
}

func loadShared(t *testing.T, rel string, comp Component) *File {
	t.Helper()
	f, err := Load(rel, readShared(t, rel), comp)
	if err != nil {
		t.Fatalf("load %s: %v", rel, err)
	}
	if f.SyntaxError != nil {
		t.Fatalf("%s does not parse: %v", rel, f.SyntaxError)
	}
	return f
}

// known reports whether the canonical key is one the component reads. An
// element of a plain array ("store_addrs[0]") or of an array of tables
// ("region_engine[0]") is known when its array is.
func known(s *Schema, key string) bool {
	sk := SchemaKey(key)
	if s.Lookup(sk) != nil {
		return true
	}
	if base, ok := strings.CutSuffix(sk, "[]"); ok {
		if sp := s.Lookup(base); sp != nil {
			return sp.Kind == KindArray || sp.Kind == KindArrayTable || sp.Kind == KindAny || sp.Kind == KindMap
		}
	}
	return false
}

// unknownKeys returns the topmost keys of f that the schema does not know:
// a stale table is reported once, not once per key inside it.
func unknownKeys(f *File) []string {
	s := SchemaFor(f.Component)
	var out []string
	for _, e := range f.Index().Entries() {
		if known(s, e.Key) {
			continue
		}
		// Skip keys inside an unknown table that the file writes; a header
		// such as [a.b] does not index its implicit parent "a".
		if p := parentKey(e.Key); p != "" && !known(s, p) {
			if _, written := f.Index().Get(p); written {
				continue
			}
		}
		out = append(out, e.Key)
	}
	sort.Strings(out)
	return out
}

func TestCatalogIsWellFormed(t *testing.T) {
	for _, c := range Components {
		t.Run(string(c), func(t *testing.T) {
			seen := map[string]bool{}
			for _, sp := range catalog(c) {
				if seen[sp.Key] {
					t.Errorf("%s is listed twice", sp.Key)
				}
				seen[sp.Key] = true
				switch {
				case sp.Kind == KindEnum && len(sp.Enum) == 0:
					t.Errorf("%s is an enum without values", sp.Key)
				case sp.Kind == KindArray && sp.Elem == KindAny:
					t.Errorf("%s is an array without an element kind", sp.Key)
				case sp.Kind != KindEnum && sp.Elem != KindEnum && len(sp.Enum) > 0:
					t.Errorf("%s has enum values but is a %s", sp.Key, sp.Kind)
				}
				if len(sp.StorageTypes) > 0 && !strings.HasPrefix(sp.Key, "storage.") {
					t.Errorf("%s has storage types but is not under [storage]", sp.Key)
				}
				for _, st := range sp.StorageTypes {
					if !slices.Contains([]string{"File", "S3", "Oss", "Azblob", "Gcs"}, st) {
						t.Errorf("%s names unknown storage type %q", sp.Key, st)
					}
				}
				if len(sp.WALProviders) > 0 && !strings.HasPrefix(sp.Key, "wal.") {
					t.Errorf("%s has WAL providers but is not under [wal]", sp.Key)
				}
				for _, p := range sp.WALProviders {
					if !slices.Contains([]string{"raft_engine", "kafka"}, p) {
						t.Errorf("%s names unknown WAL provider %q", sp.Key, p)
					}
				}
			}
		})
	}
}

// TestExampleFilesHaveNoUnknownKeys loads GreptimeDB's own example files:
// every key they set must be in the catalog.
func TestExampleFilesHaveNoUnknownKeys(t *testing.T) {
	// Keys the example file sets but the code does not read: StandaloneOptions
	// (src/standalone/src/options.rs) has no max_concurrent_queries and no
	// [otlp], and frontend_options() fills otlp with defaults. The list is
	// checked both ways, so it shrinks when upstream fixes either side.
	ignoredByCode := map[Component][]string{
		Standalone: {"max_concurrent_queries", "otlp"},
	}
	for _, c := range Components {
		t.Run(string(c), func(t *testing.T) {
			f := loadShared(t, "upstream/"+string(c)+".example.toml", c)
			if n := len(f.Index().Entries()); n < 20 {
				t.Fatalf("only %d keys indexed; is the file complete?", n)
			}
			got := unknownKeys(f)
			want := ignoredByCode[c]
			if !slices.Equal(got, want) {
				t.Errorf("unknown keys = %q, want %q", got, want)
			}
		})
	}
}

// TestUpstreamCIConfigs loads the configs GreptimeDB's CI, operator, Helm
// chart and testbed use (shared/greptime-configs/upstream-ci). Files whose
// keys SOURCE.md calls current must have no unknown keys; files with stale
// keys must have exactly the stale keys SOURCE.md lists. Templates that are
// not valid TOML before rendering are left out.
func TestUpstreamCIConfigs(t *testing.T) {
	const gh = "upstream-ci/greptimedb/embedded/github__actions__setup-greptimedb-cluster__"
	cases := []struct {
		file  string
		comp  Component
		stale []string
	}{
		{"upstream-ci/greptimedb/tests__conf__frontend-test.toml.template", Frontend, nil},
		{"upstream-ci/greptimedb/tests-fuzz__conf__standalone.template.toml", Standalone,
			[]string{"enable_memory_catalog", "grpc_options", "mode", "require_lease_before_startup"}},
		{gh + "with-minio.yaml--meta.configData.toml", Metasrv, nil},
		{gh + "with-minio.yaml--datanode.configData.toml", Datanode, nil},
		{gh + "with-minio.yaml--frontend.configData.toml", Frontend, nil},
		{gh + "with-remote-wal.yaml--meta.configData.toml", Metasrv, []string{"wal.trigger_flush_threshold"}},
		{gh + "with-remote-wal.yaml--datanode.configData.toml", Datanode, nil},
		{gh + "with-remote-wal.yaml--frontend.configData.toml", Frontend, nil},
		{gh + "with-minio-repartition-gc.yaml--meta.configData.toml", Metasrv, nil},
		{gh + "with-minio-repartition-gc.yaml--datanode.configData.toml", Datanode, nil},
		{gh + "with-minio-repartition-gc.yaml--frontend.configData.toml", Frontend, nil},
		{gh + "with-remote-wal-logical-prune.yaml--meta.configData.toml", Metasrv, []string{"wal.trigger_flush_threshold"}},
		{gh + "with-remote-wal-logical-prune.yaml--datanode.configData.toml", Datanode, nil},
		{gh + "with-remote-wal-logical-prune.yaml--frontend.configData.toml", Frontend, nil},
		{gh + "with-minio-and-cache.yaml--meta.configData.toml", Metasrv, nil},
		{gh + "with-minio-and-cache.yaml--datanode.configData.toml", Datanode, nil},
		{gh + "with-minio-and-cache.yaml--frontend.configData.toml", Frontend, nil},
		{gh + "with-disk.yaml--meta.configData.toml", Metasrv, nil},
		{gh + "with-disk.yaml--datanode.configData.toml", Datanode, nil},
		{gh + "with-disk.yaml--frontend.configData.toml", Frontend, nil},
		{"upstream-ci/greptimedb-operator/cmd__initializer__internal__testdata__datanode-config.toml", Datanode,
			[]string{"meta_client_options", "mode", "procedure", "storage.flush", "storage.manifest"}},
		{"upstream-ci/greptimedb-operator/cmd__initializer__internal__testdata__flownode-config.toml", Flownode, []string{"mode"}},
		{"upstream-ci/greptimedb-operator/embedded/examples__cluster__add-custom-config__cluster.yaml--spec.datanode.config.toml", Datanode,
			[]string{"region_engine[0].mito.max_background_jobs"}},
		{"upstream-ci/greptimedb-operator/embedded/examples__cluster__datanode-groups__cluster.yaml--spec.datanodeGroups.0.config.toml", Datanode, nil},
		{"upstream-ci/greptimedb-operator/embedded/examples__cluster__datanode-groups__cluster.yaml--spec.datanodeGroups.1.config.toml", Datanode, nil},
		{"upstream-ci/helm-charts/embedded/charts__greptimedb-standalone__values.yaml--configToml.toml", Standalone, []string{"mode"}},
		{"upstream-ci/gtctl/examples__bare-metal__cluster-with-s3-storage.datanode.toml", Datanode, nil},
		{"upstream-ci/testbed/config__metasrv.toml", Metasrv, nil},
		{"upstream-ci/testbed/config__flownode.toml", Flownode, nil},
		{"upstream-ci/testbed/config__datanode.toml", Datanode, []string{"region_engine[2].metric.sparse_primary_key_encoding"}},
		{"upstream-ci/testbed/config__frontend.toml", Frontend, []string{"storage"}},
		{"upstream-ci/testbed/config__standalone-fs.toml", Standalone, []string{"region_engine[2].metric.sparse_primary_key_encoding"}},
		{"upstream-ci/testbed/config__standalone.toml", Standalone, []string{"region_engine[2].metric.sparse_primary_key_encoding"}},
		{"upstream-ci/testbed/config__standalone-standby.toml", Standalone,
			[]string{"enterprise_standalone", "region_engine[2].metric.sparse_primary_key_encoding"}},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			f := loadShared(t, tc.file, tc.comp)
			if got := unknownKeys(f); !slices.Equal(got, tc.stale) {
				t.Errorf("unknown keys = %q, want %q", got, tc.stale)
			}
		})
	}
}

// TestStaleCIKeysHaveRenames checks that the stale keys found in upstream
// configs are explained by Renames, where a rename exists.
func TestStaleCIKeysHaveRenames(t *testing.T) {
	cases := []struct {
		comp    Component
		key     string
		newKey  string
		honored bool
	}{
		{Metasrv, "wal.trigger_flush_threshold", "wal.flush_trigger_size", false},
		{Standalone, "mode", "", false},
		{Standalone, "enable_memory_catalog", "", false},
		{Standalone, "grpc_options.bind_addr", "grpc.bind_addr", false},
		{Datanode, "meta_client_options.metasrv_addrs", "meta_client.metasrv_addrs", false},
		{Datanode, "meta_client_options.timeout_millis", "meta_client.timeout", false},
		{Datanode, "storage.manifest.checkpoint_margin", "", false},
		{Datanode, "storage.flush.global_write_buffer_size", "region_engine[].mito.global_write_buffer_size", false},
		{Datanode, "region_engine[].mito.max_background_jobs", "region_engine[].mito.max_background_flushes", false},
		{Datanode, "region_engine[].metric.sparse_primary_key_encoding", "", false},
		{Datanode, "rpc_addr", "grpc.bind_addr", true},
		{Datanode, "wal.max_batch_size", "wal.max_batch_bytes", true},
		{Metasrv, "bind_addr", "grpc.bind_addr", true},
		{Metasrv, "store_addr", "store_addrs", false},
		{Frontend, "http_options.addr", "http.addr", false},
		{Frontend, "heartbeat.interval", "", false},
		{Frontend, "logging.slow_query.enable", "slow_query.enable", false},
	}
	for _, tc := range cases {
		t.Run(string(tc.comp)+"/"+tc.key, func(t *testing.T) {
			r, newKey, ok := FindRename(tc.comp, tc.key)
			if !ok {
				t.Fatalf("no rename covers %s", tc.key)
			}
			if newKey != tc.newKey || r.Honoured != tc.honored {
				t.Errorf("FindRename = %q (honoured %v), want %q (honoured %v)", newKey, r.Honoured, tc.newKey, tc.honored)
			}
			if r.Version == "" || r.Note == "" {
				t.Errorf("rename of %s lacks a version or a note", r.Old)
			}
		})
	}
	t.Run("no rename for current keys of other components", func(t *testing.T) {
		if _, _, ok := FindRename(Frontend, "bind_addr"); ok {
			t.Error("metasrv's bind_addr rename applies to frontend")
		}
		if _, _, ok := FindRename(Datanode, "grpc.tls.mode"); ok {
			t.Error("the top-level mode rename matched grpc.tls.mode")
		}
	})
}

// Deprecated keys that GreptimeDB still honours must be in the schema, so
// that a rule can warn instead of calling them unknown.
func TestDeprecatedKeysAreInSchema(t *testing.T) {
	for _, r := range Renames {
		if !r.Honoured {
			continue
		}
		comps := r.Components
		if len(comps) == 0 {
			comps = Components
		}
		for _, c := range comps {
			t.Run(string(c)+"/"+r.Old, func(t *testing.T) {
				sp := SchemaFor(c).Lookup(r.Old)
				if sp == nil || sp.Deprecated == "" {
					t.Errorf("%s is honoured but not a deprecated key of %s", r.Old, c)
				}
				if r.New != "" && SchemaFor(c).Lookup(r.New) == nil {
					t.Errorf("%s is renamed to %s, which %s does not read", r.Old, r.New, c)
				}
			})
		}
	}
	for _, r := range Renames {
		if r.Honoured || r.New == "" {
			continue
		}
		comps := r.Components
		if len(comps) == 0 {
			comps = Components
		}
		for _, c := range comps {
			if c == Metasrv && strings.HasPrefix(r.Old, "grpc.") {
				continue // metasrv got [grpc] after the rename
			}
			t.Run(string(c)+"/"+r.Old+"->"+r.New, func(t *testing.T) {
				if SchemaFor(c).Lookup(r.New) == nil {
					t.Errorf("%s is renamed to %s, which %s does not read", r.Old, r.New, c)
				}
				if SchemaFor(c).Lookup(r.Old) != nil {
					t.Errorf("%s is listed as removed but %s still reads it", r.Old, c)
				}
			})
		}
	}
}

// TestDefaultsParse checks every default against the parser of its kind.
func TestDefaultsParse(t *testing.T) {
	for _, c := range Components {
		for _, sp := range SchemaFor(c).Specs() {
			if sp.Default == "" {
				continue
			}
			t.Run(string(c)+"/"+sp.Key, func(t *testing.T) {
				if err := checkValue(sp.Kind, sp.Enum, sp.Default); err != "" {
					t.Errorf("default %q: %s", sp.Default, err)
				}
				if sp.Kind == KindArray {
					var doc struct{ V []any }
					if _, err := toml.Decode("v = "+sp.Default, &doc); err != nil {
						t.Fatalf("default %q is not a TOML array: %v", sp.Default, err)
					}
					for _, el := range doc.V {
						s, _ := el.(string)
						if err := checkValue(sp.Elem, sp.Enum, s); err != "" {
							t.Errorf("default element %q: %s", s, err)
						}
					}
				}
			})
		}
	}
}

func checkValue(k Kind, enum []string, v string) string {
	var err error
	switch k {
	case KindDuration:
		_, err = ParseDuration(v)
	case KindSize:
		_, err = ParseSize(v)
	case KindAddr:
		_, _, err = ParseAddr(v)
	case KindMemoryLimit:
		err = ParseMemoryLimit(v)
	case KindIndexMemThreshold:
		err = ParseIndexMemThreshold(v)
	case KindExhaustedPolicy:
		err = ParseExhaustedPolicy(v)
	case KindEnum:
		if !slices.Contains(enum, v) {
			return "not in " + strings.Join(enum, "|")
		}
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestSchemaFacts(t *testing.T) {
	cases := []struct {
		name  string
		comp  Component
		key   string
		check func(*Spec) bool
	}{
		{"storage.type is an enum of the serde tags", Datanode, "storage.type", func(sp *Spec) bool {
			return sp.Kind == KindEnum && slices.Equal(sp.Enum, []string{"File", "S3", "Oss", "Azblob", "Gcs"})
		}},
		{"region is S3 only", Datanode, "storage.region", func(sp *Spec) bool { return slices.Equal(sp.StorageTypes, []string{"S3"}) }},
		{"providers carry the per-type keys", Standalone, "storage.providers[].access_key_secret", func(sp *Spec) bool {
			return sp.Secret && slices.Equal(sp.StorageTypes, []string{"Oss"})
		}},
		{"kafka password is secret", Metasrv, "wal.sasl.password", func(sp *Spec) bool { return sp.Secret && slices.Equal(sp.WALProviders, []string{"kafka"}) }},
		{"metasrv has no noop wal", Metasrv, "wal.provider", func(sp *Spec) bool { return !slices.Contains(sp.Enum, "noop") }},
		{"datanode has a noop wal", Datanode, "wal.provider", func(sp *Spec) bool { return slices.Contains(sp.Enum, "noop") }},
		{"frontend node_id is a string", Frontend, "node_id", func(sp *Spec) bool { return sp.Kind == KindString }},
		{"datanode node_id is an integer", Datanode, "node_id", func(sp *Spec) bool { return sp.Kind == KindInt }},
		{"metasrv_addrs is a list of addresses", Frontend, "meta_client.metasrv_addrs", func(sp *Spec) bool {
			return sp.Kind == KindArray && sp.Elem == KindAddr && sp.EnvList
		}},
		{"flownode declares no env lists", Flownode, "meta_client.metasrv_addrs", func(sp *Spec) bool { return !sp.EnvList }},
		{"store_addrs are strings", Metasrv, "store_addrs", func(sp *Spec) bool { return sp.Kind == KindArray && sp.Elem == KindString && sp.EnvList }},
		{"tls modes are snake_case", Frontend, "mysql.tls.mode", func(sp *Spec) bool {
			return slices.Contains(sp.Enum, "verify_ca") && !slices.Contains(sp.Enum, "verify-ca")
		}},
		{"backend_tls defaults to prefer", Metasrv, "backend_tls.mode", func(sp *Spec) bool { return sp.Default == "prefer" }},
		{"metasrv grpc port", Metasrv, "grpc.bind_addr", func(sp *Spec) bool { return sp.Default == "127.0.0.1:3002" }},
		{"flownode grpc port", Flownode, "grpc.bind_addr", func(sp *Spec) bool { return sp.Default == "127.0.0.1:3004" }},
		{"new kafka wal keys", Metasrv, "wal.periodic_checkpoint_persist_interval", func(sp *Spec) bool { return sp.Kind == KindDuration }},
		{"new datanode kafka key", Datanode, "wal.topic_latest_offset_fetch_interval", func(sp *Spec) bool { return sp.Kind == KindDuration }},
		{"runtime on every component", Flownode, "runtime.compact_rt_max_blocking_threads", func(sp *Spec) bool { return sp.Kind == KindInt }},
		{"otlp headers are free", Datanode, "logging.otlp_headers.x-api-key", func(sp *Spec) bool { return sp.Kind == KindAny }},
		{"plugin options are free", Datanode, "plugins[].iceberg_manifest.catalog", func(sp *Spec) bool { return sp.Kind == KindAny }},
		{"deprecated intermediate_path", Standalone, "region_engine[].mito.inverted_index.intermediate_path", func(sp *Spec) bool { return sp.Deprecated != "" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp := SchemaFor(tc.comp).Lookup(tc.key)
			if sp == nil {
				t.Fatalf("%s has no key %s", tc.comp, tc.key)
			}
			if !tc.check(sp) {
				t.Errorf("%s %s: unexpected spec %+v", tc.comp, tc.key, *sp)
			}
		})
	}
	t.Run("keys of other components are unknown", func(t *testing.T) {
		for _, k := range []struct {
			comp Component
			key  string
		}{{Datanode, "data_home"}, {Standalone, "node_id"}, {Standalone, "meta_client.timeout"}, {Frontend, "storage.type"}, {Datanode, "procedure.max_retry_times"}, {Standalone, "otlp.enable"}, {Datanode, "logging.otlp_headersx"}} {
			if sp := SchemaFor(k.comp).Lookup(k.key); sp != nil {
				t.Errorf("%s should not read %s (found %+v)", k.comp, k.key, *sp)
			}
		}
	})
	t.Run("env list keys match the code", func(t *testing.T) {
		want := map[Component][]string{
			Metasrv:    {"event_recorder.event_types", "store_addrs", "wal.broker_endpoints"},
			Datanode:   {"heartbeat_env_vars", "meta_client.metasrv_addrs", "wal.broker_endpoints"},
			Frontend:   {"event_recorder.event_types", "heartbeat_env_vars", "meta_client.metasrv_addrs"},
			Flownode:   nil,
			Standalone: {"event_recorder.event_types", "heartbeat_env_vars", "wal.broker_endpoints"},
		}
		for _, c := range Components {
			var got []string
			for _, sp := range SchemaFor(c).Specs() {
				if sp.EnvList {
					got = append(got, sp.Key)
				}
			}
			if !slices.Equal(got, want[c]) {
				t.Errorf("%s env lists = %q, want %q", c, got, want[c])
			}
		}
	})
}

func TestParseSpecLine(t *testing.T) {
	cases := []struct {
		line    string
		want    Spec
		wantErr bool
	}{
		{line: `a.b duration default=3s doc="two words"`, want: Spec{Key: "a.b", Kind: KindDuration, Default: "3s", Doc: "two words"}},
		{line: `x enum:a|b| default=a`, want: Spec{Key: "x", Kind: KindEnum, Enum: []string{"a", "b", ""}, Default: "a"}},
		{line: `x array:enum:p|q envlist`, want: Spec{Key: "x", Kind: KindArray, Elem: KindEnum, Enum: []string{"p", "q"}, EnvList: true}},
		{line: `s.k string storage=S3,Oss secret`, want: Spec{Key: "s.k", Kind: KindString, StorageTypes: []string{"S3", "Oss"}, Secret: true}},
		{line: `x bogus`, wantErr: true},
		{line: `x string what`, wantErr: true},
		{line: `x string doc="open`, wantErr: true},
		{line: `x array:table`, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			got, err := parseSpecLine(tc.line)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && !specEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func specEqual(a, b Spec) bool {
	return a.Key == b.Key && a.Kind == b.Kind && a.Elem == b.Elem && slices.Equal(a.Enum, b.Enum) &&
		a.Default == b.Default && slices.Equal(a.StorageTypes, b.StorageTypes) &&
		slices.Equal(a.WALProviders, b.WALProviders) && a.Secret == b.Secret && a.EnvList == b.EnvList &&
		a.Deprecated == b.Deprecated && a.Doc == b.Doc
}

func BenchmarkLookup(b *testing.B) {
	s := SchemaFor(Datanode)
	for b.Loop() {
		s.Lookup("region_engine[].mito.inverted_index.create_on_flush")
	}
}

// renderTemplate renders the tinytemplate subset the sqlness runner's
// templates use: {{ if flag }} / {{ else }} / {{ endif }} on lines of their
// own, and {x | unescaped} for the two list values. Other {x} placeholders
// sit inside TOML strings and are left as they are.
func renderTemplate(t *testing.T, src string, flags map[string]bool) string {
	t.Helper()
	var out []string
	var stack []bool // whether each open block emits
	emitting := func() bool { return !slices.Contains(stack, false) }
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "{{ if ") && strings.HasSuffix(trimmed, " }}"):
			stack = append(stack, flags[strings.TrimSuffix(strings.TrimPrefix(trimmed, "{{ if "), " }}")])
		case trimmed == "{{ else }}":
			stack[len(stack)-1] = !stack[len(stack)-1]
		case trimmed == "{{ endif }}":
			stack = stack[:len(stack)-1]
		case emitting():
			line = strings.ReplaceAll(line, "{kafka_wal_broker_endpoints | unescaped}", `["127.0.0.1:9092"]`)
			line = strings.ReplaceAll(line, "{store_addrs | unescaped}", `"127.0.0.1:2379"`)
			out = append(out, line)
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unbalanced {{ if }} in template")
	}
	return strings.Join(out, "\n")
}

// TestUpstreamCITemplates renders the sqlness templates for every
// combination of their flags, as GreptimeDB's CI and compat jobs do, and
// checks the unknown keys against SOURCE.md.
func TestUpstreamCITemplates(t *testing.T) {
	cases := []struct {
		file  string
		comp  Component
		stale func(flags map[string]bool) []string
	}{
		{"upstream-ci/greptimedb/tests__conf__datanode-test.toml.template", Datanode, func(map[string]bool) []string {
			return []string{"meta_client_options", "mode", "procedure"}
		}},
		{"upstream-ci/greptimedb/tests__conf__standalone-test.toml.template", Standalone, func(map[string]bool) []string {
			return []string{"enable_memory_catalog", "mode", "require_lease_before_startup"}
		}},
		{"upstream-ci/greptimedb/tests__conf__metasrv-test.toml.template", Metasrv, func(flags map[string]bool) []string {
			var stale []string
			// The latent template bug SOURCE.md describes: with both flags,
			// store_addrs lands inside [gc] and is ignored.
			if flags["enable_gc"] && flags["use_etcd"] {
				stale = append(stale, "gc.store_addrs")
			}
			if !flags["is_raft_engine"] {
				stale = append(stale, "wal.trigger_flush_threshold")
			}
			return stale
		}},
	}
	names := []string{"enable_flat_format", "enable_gc", "use_etcd", "is_raft_engine"}
	for _, tc := range cases {
		src := string(readShared(t, tc.file))
		for mask := 0; mask < 1<<len(names); mask++ {
			flags := map[string]bool{}
			var on []string
			for i, n := range names {
				if mask&(1<<i) != 0 {
					flags[n] = true
					on = append(on, n)
				}
			}
			variant := strings.Join(on, "+")
			if variant == "" {
				variant = "no flags"
			}
			t.Run(filepath.Base(tc.file)+"/"+variant, func(t *testing.T) {
				f, err := Load(tc.file, []byte(renderTemplate(t, src, flags)), tc.comp)
				if err != nil || f.SyntaxError != nil {
					t.Fatalf("rendered template does not load: %v %v", err, f.SyntaxError)
				}
				if got, want := unknownKeys(f), tc.stale(flags); !slices.Equal(got, want) {
					t.Errorf("unknown keys = %q, want %q", got, want)
				}
			})
		}
	}
}
