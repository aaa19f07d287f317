package configs

import (
	"net/url"
	"sort"
	"strings"

	"github.com/stepstone-dev/stepstone/internal/redact"
)

// dsnKeys are the keys whose values are connection strings that may carry a
// password.
func dsnKey(sk string) bool {
	return sk == "store_addrs" || strings.HasSuffix(sk, "connection_string")
}

// Secrets returns every secret value the file or its env overrides carry:
// credential keys and passwords inside connection strings. Output formats
// mask them (GitHub ::add-mask::) and probes scrub them from errors.
func Secrets(f *File) []string { return SecretsAnd(f, nil) }

// SecretsAnd is Secrets, and it calls also (when not nil) with every value
// on the same walk over the file (eachValue): the run learns the
// secrets of every file and then reads every value for connection
// strings, and one walk does both.
func SecretsAnd(f *File, also func(key, sk string, v any)) []string {
	var seen map[string]bool // most files have no secret
	add := func(s string) {
		if s = strings.TrimSpace(s); len(s) >= 3 {
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[s] = true
			// A DSN holds its password percent-encoded; the driver, and
			// any error that echoes it, has the decoded form.
			if d, err := url.PathUnescape(s); err == nil && d != s && len(d) >= 3 {
				seen[d] = true
			}
		}
	}
	schema := f.Schema()
	visit := func(key, sk string, sp *Spec, v any) {
		if also != nil {
			also(key, sk, v)
		}
		isSecret := sp != nil && sp.Secret
		if !isSecret && sp == nil {
			// Unknown keys that look like credentials count too: a typo
			// does not make a password public.
			isSecret = looksSecret(leafName(sk))
		}
		switch x := v.(type) {
		case string:
			if isSecret {
				add(x)
			}
			if !redact.MayHoldPassword(x) {
				break
			}
			if p, ok := redact.DSNPassword(x); ok && (dsnKey(sk) || strings.Contains(x, "://")) {
				add(p)
			}
			for _, p := range redact.UserProviderPasswords(x) {
				add(p)
			}
		case []any:
			for _, el := range x {
				if s, ok := el.(string); ok {
					if isSecret {
						add(s)
					}
					if p, ok := redact.DSNPassword(s); ok {
						add(p)
					}
				}
			}
		}
	}
	eachValue(f, schema, visit)
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// eachValue calls visit with every value the file sets (by key, tables
// and array elements left to their keys) and every env override, shadowed
// ones too, with the key's schema key and its spec in schema (nil when
// schema does not know the key).
func eachValue(f *File, schema *Schema, visit func(key, sk string, sp *Spec, v any)) {
	for _, e := range f.Index().Entries() {
		if e.Header || strings.HasSuffix(e.Key, "]") {
			continue
		}
		if v, ok := f.EntryValue(e); ok {
			var sp *Spec
			if schema != nil {
				sp = f.EntrySpec(schema, e)
			}
			visit(e.Key, e.SchemaKey(), sp, v)
		}
	}
	if f.Env != nil {
		for k, ev := range f.Env.Values {
			sk := SchemaKey(k)
			visit(k, sk, schema.Lookup(sk), ev.Value)
		}
		for k, ev := range f.Env.Shadowed {
			sk := SchemaKey(k)
			visit(k, sk, schema.Lookup(sk), ev.Value)
		}
	}
}

func leafName(key string) string {
	key = strings.TrimSuffix(key, "[]")
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// looksSecret tells credential-like key names.
func looksSecret(name string) bool {
	name = strings.ToLower(name)
	for _, w := range []string{"password", "secret", "account_key", "sas_token", "credential", "token", "private_key"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
