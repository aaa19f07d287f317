package configs

import (
	"fmt"
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
func EffectiveValues(f *File) report.Values {
	schema := f.Schema()
	entries := f.Index().Entries()
	defaults := schemaDefaults(schema)
	// Which defaults the file or the env sets; a slice by the defaults'
	// index, not a map of keys: a map of 250 keys for every file was a
	// tenth of a lint's allocations.
	seen := make([]bool, len(defaults.values))
	see := func(sk string, sp *Spec) {
		if sp.dflt > 0 && sp.Key == sk {
			seen[sp.dflt-1] = true
		}
	}
	// Every key, shown value and origin is written into one text (see
	// report.Values), in a builder the next file reuses.
	b := valuesPool.Get().(*report.ValuesBuilder)
	defer valuesPool.Put(b)
	b.SetFile(f.Path)
	add := func(key string, sp *Spec, v any) {
		b.Text(key)
		b.End()
		if sp.Secret {
			b.Text("(secret)")
		} else {
			b.SetBuf(appendRender(b.Buf(), v))
		}
		b.End()
	}
	for _, e := range entries {
		if e.Header || strings.HasSuffix(e.Key, "]") {
			continue
		}
		sk := e.SchemaKey()
		sp := f.EntrySpec(schema, e)
		if sp == nil {
			continue
		}
		if v, ok := f.EntryValue(e); ok {
			see(sk, sp)
			add(e.Key, sp, v)
			b.Position(e.KeyPos())
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
			see(sk, sp)
			add(k, sp, ev.Value)
			b.Text("env ")
			b.Text(ev.Var)
			b.End()
		}
	}
	for i, d := range defaults.values {
		if !seen[i] {
			b.Add(d.Key, d.Value, d.Origin)
		}
	}
	return b.Values()
}

var valuesPool = sync.Pool{New: func() any { return new(report.ValuesBuilder) }}

// defaultSet is the default of every key of a schema that has one (outside
// arrays of tables), sorted by key; each such spec knows its place in the
// list (Spec.dflt), so that marking the defaults a file sets needs no
// look-up of its own.
type defaultSet struct {
	values []report.Value
}

// newDefaultSet is the defaults of specs, sorted by key, made once per
// schema as it is built.
func newDefaultSet(specs []*Spec) *defaultSet {
	set := &defaultSet{}
	for _, sp := range specs {
		sp.dflt = 0 // a spec copied from another schema's
		if sp.Default == "" || strings.Contains(sp.Key, "[]") {
			continue
		}
		val := sp.Default
		if sp.Secret {
			val = "(secret)"
		}
		set.values = append(set.values, report.Value{Key: sp.Key, Value: val, Origin: "default"})
		sp.dflt = len(set.values)
	}
	return set
}

// schemaDefaults returns the defaults of a schema.
func schemaDefaults(schema *Schema) *defaultSet {
	if schema == nil {
		return &defaultSet{}
	}
	return schema.defaults
}

// appendRender appends a decoded value, printed compactly, redacting
// passwords in DSNs and in inline user_provider lists.
// appendQuote appends s quoted as %q does. Most config strings are plain
// printable ASCII, which %q leaves as it is between its quotes; checking
// for that costs a fraction of strconv's rune-by-rune quoting.
func appendQuote(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.AppendQuote(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendRender(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendQuote(b, redact.MaskValue(x))
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	case []any:
		b = append(b, '[')
		for i, el := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendRender(b, el)
		}
		return append(b, ']')
	case map[string]any:
		return append(b, "{...}"...)
	}
	return fmt.Append(b, v)
}
