package configs

import (
	"sort"
	"strconv"
	"strings"
)

// EnvValue is one override taken from the environment.
type EnvValue struct {
	// Var is the variable's name as set; its value is never printed for
	// secret keys.
	Var   string
	Value any
	// Shadowed is true when the file sets the same key: GreptimeDB's
	// precedence is CLI > file > env > default, so the env var loses.
	Shadowed bool
}

// EnvLayer is the set of overrides for one file.
type EnvLayer struct {
	Prefix string
	// Values maps canonical keys to overrides that take effect.
	Values map[string]EnvValue
	// Shadowed lists overrides that a key in the file beats, by key.
	Shadowed map[string]EnvValue
}

// ApplyEnv reads overrides for f from environ (os.Environ form) as
// GreptimeDB's layered loader does: PREFIX__KEY__SUB, names lower-cased,
// values type-sniffed (bool, integer, float, else string), comma lists only
// for the keys the component declares as lists. prefix "" means the
// component's default (GREPTIMEDB_<COMPONENT>).
func ApplyEnv(f *File, environ []string, prefix string) {
	if prefix == "" {
		prefix = f.Component.EnvPrefix()
	}
	layer := &EnvLayer{Prefix: prefix, Values: map[string]EnvValue{}, Shadowed: map[string]EnvValue{}}
	want := strings.ToLower(prefix) + "__"
	schema := f.Schema()
	for _, kv := range environ {
		// Most variables are not GreptimeDB's: their first letter says so
		// (the prefix is ASCII) before a cut of each, for every file.
		if len(kv) <= len(want) || want[0] >= 'a' && want[0] <= 'z' && kv[0]|0x20 != want[0] {
			continue
		}
		name, value, ok := strings.Cut(kv, "=")
		// EqualFold, not ToLower: no copy of every variable for every file.
		if !ok || len(name) < len(want) || !strings.EqualFold(name[:len(want)], want) {
			continue
		}
		key := EnvKey(name[len(want):])
		if key == "" {
			continue
		}
		ev := EnvValue{Var: name, Value: sniffEnv(value)}
		if sp := schema.Lookup(key); sp != nil && sp.EnvList {
			ev.Value = splitEnvList(value)
		}
		if f.Has(key) {
			ev.Shadowed = true
			layer.Shadowed[key] = ev
			continue
		}
		layer.Values[key] = ev
	}
	f.Env = layer
}

// EnvKey turns the part of a variable name after the prefix into a dotted
// key: "STORAGE__TYPE" -> "storage.type". Single underscores stay.
func EnvKey(rest string) string {
	parts := strings.Split(strings.ToLower(rest), "__")
	for _, p := range parts {
		if p == "" {
			return ""
		}
	}
	return strings.Join(parts, ".")
}

// sniffEnv types a value the way the config crate's try_parsing does.
func sniffEnv(v string) any {
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	if i, err := strconv.ParseInt(v, 10, 64); err == nil {
		return i
	}
	// Rust's f64 parser takes "inf", "infinity" and "nan" in any case, as
	// Go's does; it has no hex floats and no underscores.
	if fl, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "xX_") {
		return fl
	}
	return v
}

func splitEnvList(v string) []any {
	var out []any
	for _, s := range strings.Split(v, ",") {
		out = append(out, s)
	}
	return out
}

// Keys returns the effective override keys, sorted.
func (l *EnvLayer) Keys() []string {
	if l == nil {
		return nil
	}
	keys := make([]string, 0, len(l.Values))
	for k := range l.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
