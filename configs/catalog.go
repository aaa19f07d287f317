package configs

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stepstone-dev/stepstone/internal/memo"
)

// The catalog lists every key each component reads, following GreptimeDB's
// Rust option structs (see catalog_data.go for the data and SCHEMA.md for
// where the code and the example files disagree).
//
// Free-form tables. Some tables take keys GreptimeDB does not know in
// advance: logging.otlp_headers (HTTP header names) and [[plugins]] (each
// plugin's own options). They are specs of KindMap (a table with any keys)
// or KindAny (any value at all); nothing below them is checked, and
// Schema.Lookup answers a key below one of them with a KindAny spec whose
// Key ends in ".*", so "is this key known?" is still a single Lookup.
//
// Arrays. A plain array is one spec (KindArray, with Elem), and its elements
// have no specs of their own: "store_addrs[1]" is checked against
// "store_addrs". An array of tables is a KindArrayTable spec and its
// children are written "name[].child".

// Line format of a catalog block, one key per line:
//
//	key kind [attribute...]
//
// kind is string, int, float, bool, duration, size, addr, memlimit,
// memthreshold, policy, any, map, table, arraytable, "enum:a|b|c" (an empty
// name after a bar is the empty string), or "array:<kind>" for a plain
// array. Attributes are default=V, doc="...", deprecated="what instead",
// storage=S3,Oss (storage types that read the key), wal=kafka (WAL
// providers that read it), secret and envlist. "{p}" in a key stands for
// the prefix the block is added under. Lines starting with # are comments.
var kindWords = map[string]Kind{
	"string": KindString, "int": KindInt, "float": KindFloat, "bool": KindBool,
	"duration": KindDuration, "size": KindSize, "addr": KindAddr,
	"memlimit": KindMemoryLimit, "memthreshold": KindIndexMemThreshold,
	"policy": KindExhaustedPolicy, "any": KindAny, "map": KindMap,
	"table": KindTable, "arraytable": KindArrayTable,
}

// parseBlock reads a catalog block, putting prefix in place of "{p}". A
// malformed line is a bug in the catalog, so it panics; the tests load every
// component and catch it.
func parseBlock(text, prefix string) []Spec {
	var specs []Spec
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.ReplaceAll(line, "{p}", prefix)
		sp, err := parseSpecLine(line)
		if err != nil {
			panic(fmt.Sprintf("configs: catalog line %d %q: %v", n, line, err))
		}
		specs = append(specs, sp)
	}
	return specs
}

func parseSpecLine(line string) (Spec, error) {
	fields, err := splitFields(line)
	if err != nil {
		return Spec{}, err
	}
	if len(fields) < 2 {
		return Spec{}, fmt.Errorf("want a key and a kind")
	}
	sp := Spec{Key: fields[0]}
	if sp.Kind, sp.Elem, sp.Enum, err = parseKind(fields[1]); err != nil {
		return Spec{}, err
	}
	for _, f := range fields[2:] {
		name, value, hasValue := strings.Cut(f, "=")
		switch {
		case name == "secret" && !hasValue:
			sp.Secret = true
		case name == "envlist" && !hasValue:
			sp.EnvList = true
		case name == "default" && hasValue:
			sp.Default = value
		case name == "doc" && hasValue:
			sp.Doc = value
		case name == "deprecated" && hasValue:
			sp.Deprecated = value
		case name == "storage" && hasValue:
			sp.StorageTypes = strings.Split(value, ",")
		case name == "wal" && hasValue:
			sp.WALProviders = strings.Split(value, ",")
		default:
			return Spec{}, fmt.Errorf("unknown attribute %q", f)
		}
	}
	return sp, nil
}

func parseKind(word string) (kind, elem Kind, enum []string, err error) {
	if rest, ok := strings.CutPrefix(word, "array:"); ok {
		elem, _, enum, err = parseKind(rest)
		if err == nil && (elem == KindArray || elem == KindTable || elem == KindArrayTable) {
			err = fmt.Errorf("array of %s is not a plain array", elem)
		}
		return KindArray, elem, enum, err
	}
	if rest, ok := strings.CutPrefix(word, "enum:"); ok {
		return KindEnum, 0, strings.Split(rest, "|"), nil
	}
	k, ok := kindWords[word]
	if !ok {
		return 0, 0, nil, fmt.Errorf("unknown kind %q", word)
	}
	return k, 0, nil, nil
}

// splitFields splits at spaces outside double quotes. A quote right after
// "=" opens a quoted value and the next quote closes it; both are dropped,
// so that doc="two words" is one field. Other quotes are kept, so that
// default=["127.0.0.1:3002"] stays TOML.
func splitFields(line string) ([]string, error) {
	var fields []string
	// Byte by byte, not rune by rune into a strings.Builder: the catalog's
	// 1,200 lines are parsed once per run, and that way they were 4% of a
	// lint of a hundred files. Only a byte of a multi-byte rune is decoded.
	var cur []byte
	quoted, inField := false, false
	var prev byte
	for i := 0; i < len(line); {
		c, size, space := line[i], 1, false
		var r rune
		if c < utf8.RuneSelf {
			space = asciiSpace[c]
		} else {
			r, size = utf8.DecodeRuneInString(line[i:])
			space = unicode.IsSpace(r)
		}
		afterEq := prev == '='
		prev = c
		switch {
		case c == '"' && (quoted || afterEq):
			quoted = !quoted
			inField = true
		case space && !quoted:
			if inField {
				fields = append(fields, string(cur))
				cur = cur[:0]
				inField = false
			}
		case c < utf8.RuneSelf:
			cur = append(cur, c)
			inField = true
		default:
			cur = utf8.AppendRune(cur, r) // as WriteRune: invalid UTF-8 becomes U+FFFD
			inField = true
		}
		i += size
	}
	if quoted {
		return nil, fmt.Errorf("unbalanced quote")
	}
	if inField {
		fields = append(fields, string(cur))
	}
	return fields, nil
}

// asciiSpace is unicode.IsSpace for ASCII bytes.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// specList collects a component's specs and lets it adjust shared ones.
type specList []Spec

func (l *specList) add(block string, prefixes ...string) {
	if len(prefixes) == 0 {
		prefixes = []string{""}
	}
	for _, p := range prefixes {
		*l = append(*l, blocks.Get(blockAt{block, p}, parsedBlock)...)
	}
}

// blockAt is a catalog block added under a prefix.
type blockAt struct{ text, prefix string }

// blocks keeps every block parsed once per prefix: the five components
// share most of theirs (runtime, http, logging, gRPC, TLS, ...), and a
// lint that meets a key of another component builds all five catalogs.
// add copies the specs, so a component's changes to its own stay its own;
// the slices inside them (Enum, StorageTypes, WALProviders) are shared and
// never changed.
var blocks = memo.Map[blockAt, []Spec]{Max: 256}

func parsedBlock(b blockAt) []Spec { return parseBlock(b.text, b.prefix) }

// set changes the spec for key, which must exist.
func (l specList) set(key string, change func(*Spec)) {
	for i := range l {
		if l[i].Key == key {
			change(&l[i])
			return
		}
	}
	panic("configs: catalog has no key " + key)
}

func (l specList) setDefault(key, def string) {
	l.set(key, func(sp *Spec) { sp.Default = def })
}

// addGRPC adds a gRPC server section with its TLS table.
func (l *specList) addGRPC(prefix, bindAddr string) {
	l.add(blockGRPC, prefix)
	l.add(blockServerTLS, prefix+".tls")
	l.setDefault(prefix+".bind_addr", bindAddr)
}

// catalog returns every key component c reads, worked out once per
// component: the schema on main (SchemaFor) and the schema at a file's
// release (specsAt) both start from it, and splitting the catalog's lines
// twice was a twentieth of a lint of one file. Callers copy what they
// change.
func catalog(c Component) []Spec { return catalogs.Get(c, buildCatalog) }

// catalogs is bounded only in name: there are five components.
var catalogs = memo.Map[Component, []Spec]{Max: 16}

// buildCatalog is catalog without the memo.
func buildCatalog(c Component) []Spec {
	var l specList
	// Every component: the GreptimeOptions wrapper, HTTP, logging, memory.
	l.add(blockRuntime)
	l.add(blockPlugins)
	l.add(blockHTTP)
	l.add(blockLogging)
	l.add(blockMemory)
	switch c {
	case Metasrv:
		l.add(blockMetasrvTop)
		l.addGRPC("grpc", "127.0.0.1:3002")
		// backend_tls is the same TlsOption, used as a client towards the
		// store; its default is Some(prefer) since v1.0.
		l.add(blockServerTLS, "backend_tls")
		l.set("backend_tls", func(sp *Spec) {
			sp.Doc = "TLS towards etcd, PostgreSQL or MySQL; overrides TLS settings in the connection string"
		})
		l.set("backend_tls.mode", func(sp *Spec) {
			sp.Default = "prefer"
			sp.Doc = "etcd: prefer uses TLS only when every store_addrs entry starts with https"
		})
		l.set("backend_tls.watch", func(sp *Spec) { sp.Doc = "" })
		l.add(blockDatanodeClient)
		l.add(blockProcedure)
		l.setDefault("procedure.max_retry_times", "12")
		l.setDefault("procedure.max_metadata_value_size", "1500KiB")
		l.set("procedure.max_metadata_value_size", func(sp *Spec) {
			sp.Doc = "keep below etcd --max-request-bytes (1.5MiB by default)"
		})
		l.add(blockMetasrvWAL)
		l.add(blockKafkaConnection)
		l.add(blockEventRecorder)
	case Datanode:
		l.add(blockDatanodeTop)
		l.addGRPC("grpc", "127.0.0.1:3001")
		l.add(blockMetaClient)
		l.set("meta_client.metasrv_addrs", func(sp *Spec) { sp.EnvList = true })
		l.add(blockDatanodeWAL)
		l.add(blockKafkaConnection)
		l.add(blockStorage)
		l.add(blockObjectStore, "storage", "storage.providers[]")
		l.add(blockRegionEngine)
		l.add(blockQuery)
	case Frontend:
		l.add(`node_id string doc="optional name of this frontend"`)
		l.add(blockFrontendTop)
		l.addGRPC("grpc", "127.0.0.1:4001")
		// [internal_grpc] is Option<GrpcOptions>: when the table is
		// written, missing keys come from GrpcOptions' own defaults.
		l.addGRPC("internal_grpc", "127.0.0.1:4001")
		l.set("internal_grpc", func(sp *Spec) {
			sp.Doc = "optional second gRPC server for nodes inside the cluster; unset keys take [grpc]'s defaults, so set bind_addr (4010 by convention)"
		})
		l.add(blockServerTLS, "mysql.tls", "postgres.tls")
		l.add(blockFrontendServices)
		l.add(blockOTLP)
		l.add(blockMetaClient)
		l.set("meta_client.metasrv_addrs", func(sp *Spec) { sp.EnvList = true })
		l.add(blockDatanodeClient)
		l.add(blockQuery)
		l.add(blockSlowQuery)
		l.add(blockEventRecorder)
	case Flownode:
		l.add(`node_id int doc="unique in the cluster"`)
		l.add(blockFlow)
		l.addGRPC("grpc", "127.0.0.1:3004")
		l.add(blockMetaClient)
		l.add(blockQuery)
		l.setDefault("query.parallelism", "1")
	case Standalone:
		l.add(blockFrontendTop)
		l.add(blockStandaloneTop)
		l.addGRPC("grpc", "127.0.0.1:4001")
		l.add(blockServerTLS, "mysql.tls", "postgres.tls")
		l.add(blockFrontendServices)
		l.add(blockDatanodeWAL)
		l.add(blockKafkaConnection)
		l.add(blockStorage)
		l.add(blockObjectStore, "storage", "storage.providers[]")
		l.add(blockRegionEngine)
		l.add(blockProcedure)
		l.add(blockFlow)
		l.add(blockQuery)
		l.add(blockSlowQuery)
		l.add(blockEventRecorder)
	}
	return l
}

// FindRename returns the entry of Renames that covers the schema key (see
// SchemaKey) for component c: the entry for the key itself or for the
// nearest table above it. newKey is where the key lives now, with the part
// below a renamed table carried over ("http_options.addr" -> "http.addr"),
// or "" when the key was removed.
func FindRename(c Component, key string) (r Rename, newKey string, ok bool) {
	best := -1
	for i := range Renames {
		rn := &Renames[i]
		if !renameCovers(rn.Old, key) || !renameApplies(rn, c) {
			continue
		}
		if best < 0 || len(rn.Old) > len(Renames[best].Old) {
			best = i
		}
	}
	if best < 0 {
		return Rename{}, "", false
	}
	r = Renames[best]
	if r.New != "" {
		newKey = r.New + key[len(r.Old):]
	}
	return r, newKey, true
}

func renameCovers(old, key string) bool {
	if !strings.HasPrefix(key, old) {
		return false
	}
	rest := key[len(old):]
	return rest == "" || rest[0] == '.' || strings.HasPrefix(rest, "[]")
}

func renameApplies(r *Rename, c Component) bool {
	if len(r.Components) == 0 {
		return true
	}
	for _, rc := range r.Components {
		if rc == c {
			return true
		}
	}
	return false
}
