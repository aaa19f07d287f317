package configs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// EffectiveValues lists the value GreptimeDB will use for each key that the
// file or the environment sets, and for each key with a default, with where
// it came from. Secrets are shown as "(secret)". Keys the component does
// not read are left out: GreptimeDB ignores them (the unknown-key findings
// name them), and a file of many of them would otherwise repeat itself here.
func EffectiveValues(f *File) []report.Value {
	schema := f.Schema()
	seen := map[string]bool{}
	var out []report.Value
	show := func(key string, v any) string {
		sk := SchemaKey(key)
		if sp := schema.Lookup(sk); (sp != nil && sp.Secret) || (sp == nil && looksSecret(leafName(sk))) {
			return "(secret)"
		}
		return render(v)
	}
	for _, e := range f.Index().Entries() {
		if e.Header || strings.HasSuffix(e.Key, "]") || schema.Lookup(SchemaKey(e.Key)) == nil {
			continue
		}
		if v, ok := f.Get(e.Key); ok {
			seen[SchemaKey(e.Key)] = true
			out = append(out, report.Value{Key: e.Key, Value: show(e.Key, v), Origin: e.KeyPos.String()})
		}
	}
	if f.Env != nil {
		for _, k := range f.Env.Keys() {
			ev := f.Env.Values[k]
			if schema.Lookup(SchemaKey(k)) == nil {
				continue
			}
			seen[SchemaKey(k)] = true
			out = append(out, report.Value{Key: k, Value: show(k, ev.Value), Origin: "env " + ev.Var})
		}
	}
	var defaults []report.Value
	for _, sp := range schema.Specs() {
		if sp.Default == "" || seen[sp.Key] || strings.Contains(sp.Key, "[]") {
			continue
		}
		val := sp.Default
		if sp.Secret {
			val = "(secret)"
		}
		defaults = append(defaults, report.Value{Key: sp.Key, Value: val, Origin: "default"})
	}
	sort.Slice(defaults, func(i, j int) bool { return defaults[i].Key < defaults[j].Key })
	return append(out, defaults...)
}

// render prints a decoded value compactly, redacting passwords in DSNs and
// in inline user_provider lists.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", RedactSecrets(x))
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
