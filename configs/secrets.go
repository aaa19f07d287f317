package configs

import (
	"github.com/stepstone-dev/stepstone/internal/redact"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// DSNPassword returns the password inside a connection string: the userinfo
// of a URL (postgres://u:p@h/db, mysql://u:p@h/db) or the password= field of
// a libpq key=value string.
func DSNPassword(s string) (string, bool) {
	if start, end, ok := dsnPasswordSpan(s); ok {
		return s[start:end], true
	}
	return "", false
}

// dsnPasswordSpan finds the password's byte range. For URLs the userinfo is
// taken by hand, up to the last '@': passwords often hold '#', '/', '?' or
// '@', which url.Parse reads as a fragment, path or query, and the operator
// does not escape them. Too wide a span only hides more.
func dsnPasswordSpan(s string) (int, int, bool) {
	if i := strings.Index(s, "://"); i >= 0 {
		base := i + 3
		rest := s[base:]
		at := strings.LastIndexByte(rest, '@')
		if at <= 0 {
			return 0, 0, false
		}
		colon := strings.IndexByte(rest[:at], ':')
		if colon < 0 || colon+1 >= at {
			return 0, 0, false
		}
		return base + colon + 1, base + at, true
	}
	if m := libpqPassword.FindStringSubmatchIndex(s); m != nil {
		start, end := m[2], m[3]
		if end-start >= 2 && s[start] == '\'' && s[end-1] == '\'' {
			start, end = start+1, end-1
		}
		if end > start {
			return start, end, true
		}
	}
	return 0, 0, false
}

var libpqPassword = regexp.MustCompile(`(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// RedactDSN replaces the password inside a connection string with redact.Mask.
func RedactDSN(s string) string {
	if start, end, ok := dsnPasswordSpan(s); ok {
		return s[:start] + redact.Mask + s[end:]
	}
	return s
}

// UserProviderPasswords returns the passwords of an inline user list,
// "static_user_provider:cmd:user=pwd[,user2=pwd2]" (GreptimeDB's
// user_provider); nil for any other value.
func UserProviderPasswords(s string) []string {
	users, ok := strings.CutPrefix(strings.TrimSpace(s), "static_user_provider:cmd:")
	if !ok {
		return nil
	}
	var out []string
	for _, u := range strings.Split(users, ",") {
		if _, pwd, ok := strings.Cut(u, "="); ok && pwd != "" {
			out = append(out, pwd)
		}
	}
	return out
}

// RedactSecrets is RedactDSN that also hides the passwords of an inline
// user_provider list.
func RedactSecrets(s string) string {
	s = RedactDSN(s)
	for _, p := range UserProviderPasswords(s) {
		s = strings.ReplaceAll(s, "="+p, "=****")
	}
	return s
}

// dsnKeys are the keys whose values are connection strings that may carry a
// password.
func dsnKey(sk string) bool {
	return sk == "store_addrs" || strings.HasSuffix(sk, "connection_string")
}

// Secrets returns every secret value the file or its env overrides carry:
// credential keys and passwords inside connection strings. Output formats
// mask them (GitHub ::add-mask::) and probes scrub them from errors.
func Secrets(f *File) []string {
	seen := map[string]bool{}
	add := func(s string) {
		if s = strings.TrimSpace(s); len(s) >= 3 {
			seen[s] = true
			// A DSN holds its password percent-encoded; the driver, and
			// any error that echoes it, has the decoded form.
			if d, err := url.PathUnescape(s); err == nil && d != s && len(d) >= 3 {
				seen[d] = true
			}
		}
	}
	schema := f.Schema()
	visit := func(key string, v any) {
		sk := SchemaKey(key)
		sp := schema.Lookup(sk)
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
			if p, ok := DSNPassword(x); ok && (dsnKey(sk) || strings.Contains(x, "://")) {
				add(p)
			}
			for _, p := range UserProviderPasswords(x) {
				add(p)
			}
		case []any:
			for _, el := range x {
				if s, ok := el.(string); ok {
					if isSecret {
						add(s)
					}
					if p, ok := DSNPassword(s); ok {
						add(p)
					}
				}
			}
		}
	}
	EachValue(f, visit)
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// EachValue calls visit with every value the file sets (by key, tables
// and array elements left to their keys) and every env override, shadowed
// ones too.
func EachValue(f *File, visit func(key string, v any)) {
	for _, e := range f.Index().Entries() {
		if e.Header || strings.HasSuffix(e.Key, "]") {
			continue
		}
		if v, ok := f.Get(e.Key); ok {
			visit(e.Key, v)
		}
	}
	if f.Env != nil {
		for k, ev := range f.Env.Values {
			visit(k, ev.Value)
		}
		for k, ev := range f.Env.Shadowed {
			visit(k, ev.Value)
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
