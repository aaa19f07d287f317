package configs

import (
	"sort"
	"strings"
	"sync"
)

// Kind is the type GreptimeDB expects for a key. The binaries deserialize
// strictly (serde flatten), so a quoted bool or a number for a string is
// rejected at start; see SCHEMA.md section 0.
type Kind int

// Kinds of values.
const (
	KindAny               Kind = iota // anything (opaque wrapper keys such as [[plugins]] contents)
	KindString                        // a TOML string
	KindInt                           // a TOML integer
	KindFloat                         // a TOML float (an integer is accepted too)
	KindBool                          // a TOML boolean
	KindArray                         // an inline array; Elem gives the element kind
	KindTable                         // a table with known keys (children are in the schema)
	KindMap                           // a table whose keys are free (e.g. headers); children unchecked
	KindArrayTable                    // [[array of tables]]; children are "key[].child"
	KindDuration                      // humantime string: "3s", "1h 30m"
	KindSize                          // ReadableSize: integer bytes or "64MB" (1024-based)
	KindEnum                          // a string from Enum, case-sensitive
	KindAddr                          // "host:port"
	KindMemoryLimit                   // "unlimited", "N%", or a size
	KindIndexMemThreshold             // "auto", "unlimited", or a size
	KindExhaustedPolicy               // "wait", "wait(<duration>)", "fail"
)

var kindNames = map[Kind]string{
	KindAny: "any", KindString: "string", KindInt: "integer", KindFloat: "float", KindBool: "boolean",
	KindArray: "array", KindTable: "table", KindMap: "table", KindArrayTable: "array of tables",
	KindDuration: "duration", KindSize: "size", KindEnum: "string", KindAddr: "address",
	KindMemoryLimit: "memory limit", KindIndexMemThreshold: "size", KindExhaustedPolicy: "string",
}

// String names the kind the way messages use it.
func (k Kind) String() string { return kindNames[k] }

// Spec describes one key of one component.
type Spec struct {
	// Key is the schema path: dotted, "[]" after an array of tables, as in
	// "storage.bucket" or "region_engine[].mito.num_workers".
	Key  string
	Kind Kind
	// Elem is the element kind of a KindArray.
	Elem Kind
	// Enum lists accepted values of a KindEnum (or of array elements when
	// Elem is KindEnum), exactly as GreptimeDB spells them.
	Enum []string
	// Default is GreptimeDB's default as text ("" when unset).
	Default string
	// StorageTypes lists the storage.type values that read this key (for
	// keys under [storage] and [[storage.providers]]); empty means all.
	StorageTypes []string
	// WALProviders lists the wal.provider values that read this key (for
	// keys under [wal]); empty means all.
	WALProviders []string
	// Secret marks credentials: their values are never printed.
	Secret bool
	// EnvList marks the keys GreptimeDB splits on commas when set from an
	// env var (SCHEMA.md section 6).
	EnvList bool
	// Deprecated, when set, says what to use instead; the key still works.
	Deprecated string
	// Doc is a short description for --verbose and did-you-mean help.
	Doc string

	// The fields below come from the curated layer (curated.go) and hold
	// for the release the schema was built for.

	// Int is the Rust integer type of an integer field ("u8", "u32",
	// "usize", "i16"): a value outside it is a load error.
	Int string
	// NonZero marks NonZero* fields: 0 is a load error.
	NonZero bool
	// Listen marks addresses GreptimeDB parses as a socket address at
	// start: they must be IP literals, not host names.
	Listen bool
	// Enterprise lists values only enterprise builds accept.
	Enterprise []string
	// Required says when the key must be written ("when the table is
	// written": the section has no default to fill it).
	Required string
	// dflt is the place of the key in its schema's defaults, plus one (0
	// for a key without a default): see defaultSet.
	dflt int
}

// Schema is the set of keys one component reads.
type Schema struct {
	Component Component
	specs     map[string]*Spec
	children  map[string][]string // schema parent path -> child names, sorted
	// free maps each KindMap or KindAny key to the KindAny spec that Lookup
	// returns for keys below it ("logging.otlp_headers.*").
	free map[string]*Spec
	// sorted is every spec by key, built once: rules ask for it once per
	// unknown key, and a 10 MiB file can hold 100,000 of those.
	sorted []*Spec
	// maxFree is the length of the longest key in free: no longer prefix
	// can be one, so Lookup need not hash them (a key 10,000 tables deep
	// would otherwise cost 10,000 hashes of long prefixes).
	maxFree int
	// defaults is the default of every key that has one (EffectiveValues).
	defaults *defaultSet
}

// NewSchema builds a schema from specs, deriving parent tables as needed.
func NewSchema(c Component, specs []Spec) *Schema {
	// Sized up front (the catalogs list their parent tables, and about
	// one spec in ten is a parent): every lint builds six schemas.
	s := &Schema{Component: c, specs: make(map[string]*Spec, len(specs)+8), children: make(map[string][]string, len(specs)/6), free: map[string]*Spec{}}
	for i := range specs {
		sp := specs[i]
		s.add(&sp)
	}
	for key, sp := range s.specs {
		if sp.Kind == KindMap || sp.Kind == KindAny {
			s.free[key] = &Spec{Key: key + ".*", Kind: KindAny, Doc: "any key is accepted below " + key}
		}
	}
	for key := range s.free {
		s.maxFree = max(s.maxFree, len(key))
	}
	s.sorted = make([]*Spec, 0, len(s.specs))
	for _, sp := range s.specs {
		s.sorted = append(s.sorted, sp)
	}
	sortSpecs(s.sorted)
	s.defaults = newDefaultSet(s.sorted)
	return s
}

func (s *Schema) add(sp *Spec) {
	if old, ok := s.specs[sp.Key]; ok && old.Kind != KindTable {
		return
	}
	s.specs[sp.Key] = sp
	parent, name := splitSchemaKey(sp.Key)
	s.children[parent] = insertSorted(s.children[parent], name)
	if parent != "" {
		if _, ok := s.specs[parent]; !ok {
			kind := KindTable
			if strings.HasSuffix(parent, "[]") {
				kind = KindArrayTable
			}
			pk := strings.TrimSuffix(parent, "[]")
			if _, ok := s.specs[pk]; !ok {
				s.add(&Spec{Key: pk, Kind: kind})
			}
		}
	}
}

// Lookup returns the spec for a schema key (see SchemaKey), or nil. A key
// below a free-form table (KindMap or KindAny, such as logging.otlp_headers
// or [[plugins]]) gets that table's KindAny "<table>.*" spec: it is known,
// and its value is not checked.
func (s *Schema) Lookup(key string) *Spec {
	if s == nil {
		return nil
	}
	if sp, ok := s.specs[key]; ok {
		return sp
	}
	// Only misses walk up, so known keys stay a single map lookup.
	for i := min(len(key)-1, s.maxFree); i > 0; i-- {
		if key[i] == '.' || key[i] == '[' {
			if sp, ok := s.free[key[:i]]; ok {
				return sp
			}
		}
	}
	return nil
}

// Children returns the names of the keys directly under a schema parent
// path ("" for the top level, "region_engine[].mito" for a nested table).
func (s *Schema) Children(parent string) []string {
	if s == nil {
		return nil
	}
	return s.children[parent]
}

// Specs returns every spec, sorted by key. The slice is shared: do not
// modify it.
func (s *Schema) Specs() []*Spec {
	if s == nil {
		return nil
	}
	return s.sorted
}

// splitSchemaKey splits "a.b[].c" into ("a.b[]", "c").
func splitSchemaKey(key string) (string, string) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return "", key
	}
	return key[:i], key[i+1:]
}

func insertSorted(list []string, name string) []string {
	for _, n := range list {
		if n == name {
			return list
		}
	}
	list = append(list, name)
	for i := len(list) - 1; i > 0 && list[i] < list[i-1]; i-- {
		list[i], list[i-1] = list[i-1], list[i]
	}
	return list
}

func sortSpecs(specs []*Spec) {
	sort.Slice(specs, func(i, j int) bool { return specs[i].Key < specs[j].Key })
}

var (
	schemaOnce sync.Once
	schemas    map[Component]*Schema
)

// SchemaFor returns the keys component c reads on GreptimeDB main: the
// catalog as written, built once. Rules judge a file by its release with
// File.Schema (SchemaAt).
func SchemaFor(c Component) *Schema {
	schemaOnce.Do(func() {
		schemas = map[Component]*Schema{}
		for _, comp := range Components {
			schemas[comp] = NewSchema(comp, catalog(comp))
		}
	})
	return schemas[c]
}

// Rename records a key GreptimeDB renamed or removed (SCHEMA.md section 7).
type Rename struct {
	// Components that had the old key; empty means all.
	Components []Component
	// Old is the schema key as it used to be written ("[http_options]" is
	// "http_options"; a whole old table matches every key below it).
	Old string
	// New is what to write instead; "" when the key was removed outright.
	New string
	// Version is the GreptimeDB release that made the change ("v0.12.0").
	Version string
	// Honoured is true when GreptimeDB still reads the old key (deprecated);
	// false when it is silently ignored now.
	Honoured bool
	// Note adds what the operator should know, in one short clause.
	Note string
}
