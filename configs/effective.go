package configs

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// EffectiveValues lists the value GreptimeDB will use for each key that the
// file or the environment sets, and for each key with a default, with where
// it came from. Secrets are shown as "(secret)". Keys the component does
// not read are left out: GreptimeDB ignores them (the unknown-key findings
// name them), and a file of many of them would otherwise repeat itself here.
func EffectiveValues(f *File) []report.Value {
	schema := f.Schema()
	entries := f.Index().Entries()
	defaults := schemaDefaults(schema)
	// Which defaults the file or the env sets; a slice by the defaults'
	// index, not a map of keys: a map of 250 keys for every file was a
	// tenth of a lint's allocations.
	seen := make([]bool, len(defaults.values))
	see := func(sk string) {
		if i, ok := defaults.index[sk]; ok {
			seen[i] = true
		}
	}
	buf := valuesPool.Get().(*[]report.Value)
	out := (*buf)[:0]
	show := func(sp *Spec, v any) string {
		if sp.Secret {
			return "(secret)"
		}
		return render(v)
	}
	for _, e := range entries {
		if e.Header || strings.HasSuffix(e.Key, "]") {
			continue
		}
		sk := e.SchemaKey()
		sp := schema.Lookup(sk)
		if sp == nil {
			continue
		}
		if v, ok := f.Get(e.Key); ok {
			see(sk)
			out = append(out, report.Value{Key: e.Key, Value: show(sp, v), Origin: e.KeyPos.String()})
		}
	}
	if f.Env != nil {
		for _, k := range f.Env.Keys() {
			ev := f.Env.Values[k]
			sk := SchemaKey(k)
			sp := schema.Lookup(sk)
			if sp == nil {
				continue
			}
			see(sk)
			out = append(out, report.Value{Key: k, Value: show(sp, ev.Value), Origin: "env " + ev.Var})
		}
	}
	for i, d := range defaults.values {
		if !seen[i] {
			out = append(out, d)
		}
	}
	// Every file's values stay in the report to the end of the run: a
	// copy of the size they are; the room they were gathered in is
	// reused by the next file.
	res := append([]report.Value(nil), out...)
	clear(out)
	*buf = out[:0]
	valuesPool.Put(buf)
	return res
}

var valuesPool = sync.Pool{New: func() any { return new([]report.Value) }}

// defaultSet is the default of every key of a schema that has one, and
// each key's place in the list.
type defaultSet struct {
	values []report.Value
	index  map[string]int
}

// schemaDefaults returns the default of every key of the schema that has
// one (outside arrays of tables), sorted by key; it is worked out once per
// schema, not once per file.
func schemaDefaults(schema *Schema) *defaultSet {
	if schema == nil {
		return &defaultSet{}
	}
	if v, ok := defaultsBySchema.Load(schema); ok {
		return v.(*defaultSet)
	}
	var defaults []report.Value
	for _, sp := range schema.Specs() {
		if sp.Default == "" || strings.Contains(sp.Key, "[]") {
			continue
		}
		val := sp.Default
		if sp.Secret {
			val = "(secret)"
		}
		defaults = append(defaults, report.Value{Key: sp.Key, Value: val, Origin: "default"})
	}
	sort.Slice(defaults, func(i, j int) bool { return defaults[i].Key < defaults[j].Key })
	set := &defaultSet{values: defaults, index: make(map[string]int, len(defaults))}
	for i, d := range defaults {
		set.index[d.Key] = i
	}
	v, _ := defaultsBySchema.LoadOrStore(schema, set)
	return v.(*defaultSet)
}

var defaultsBySchema sync.Map // *Schema -> *defaultSet

// render prints a decoded value compactly, redacting passwords in DSNs and
// in inline user_provider lists.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(redact.MaskValue(x)) // as %q, without fmt
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, el := range x {
			parts[i] = render(el)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return "{...}"
	}
	return fmt.Sprint(v)
}
