package redact

// Passwords inside single config values: a connection string's, and an
// inline user_provider list's. The lint rules ask whether a value holds
// one, configs learns them for the run's Redactor, and the effective
// values and source snippets show a value with them masked.

import (
	"regexp"
	"sort"
	"strings"
	"sync"
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
	if !strings.Contains(s, "password") {
		return 0, 0, false // what libpqPassword needs; most values have none
	}
	if m := libpqPassword().FindStringSubmatchIndex(s); m != nil {
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

// libpqPassword is compiled on first use, not at start-up.
var libpqPassword = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)
})

// MaskDSN replaces the password inside a connection string with Mask.
func MaskDSN(s string) string {
	if start, end, ok := dsnPasswordSpan(s); ok {
		return s[:start] + Mask + s[end:]
	}
	return s
}

// MayHoldPassword reports whether DSNPassword or UserProviderPasswords may
// find a password in s: a URL and a user list hold a ':', a libpq string
// the word password. Most config values hold neither, and every string of
// every file is shown and searched.
func MayHoldPassword(s string) bool {
	return strings.IndexByte(s, ':') >= 0 || len(s) >= len("password") && strings.Contains(s, "password")
}

// UserProviderPasswords returns the passwords of an inline user list,
// "static_user_provider:cmd:user=pwd[,user2=pwd2]" (GreptimeDB's
// user_provider); nil for any other value.
func UserProviderPasswords(s string) []string {
	users, ok := strings.CutPrefix(strings.TrimSpace(s), userProviderPrefix)
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

// MaskValue is MaskDSN that also masks the passwords of an inline
// user_provider list: a config value as it may be shown.
func MaskValue(s string) string {
	if !MayHoldPassword(s) {
		return s
	}
	s = MaskDSN(s)
	for _, p := range UserProviderPasswords(s) {
		s = strings.ReplaceAll(s, "="+p, "="+Mask)
	}
	return s
}

// DSNSecrets returns every credential a connection string or URL carries,
// however its driver would cut it: the PostgreSQL and the MySQL readings
// together (see ParsePostgres and ParseMySQL).
func DSNSecrets(s string) []string {
	var out []string
	for _, parse := range []func(string) (DSN, error){ParsePostgres, ParseMySQL} {
		d, _ := parse(s)
		out = append(out, d.Secrets...)
	}
	return out
}

// Exact masks a fixed set of values where they appear whole, longest
// first, and nothing else: no fragments and no credential-looking text.
// It is for text that names credentials freely, such as kube's findings
// about a cluster's Secrets, where a Redactor would also mask the pieces
// of a password ("word" of "p@ss#word", inside "password"). The zero value
// masks nothing.
type Exact struct{ values []string }

// NewExact returns an Exact that masks values; empty ones are dropped.
func NewExact(values ...string) Exact {
	var e Exact
	for _, v := range values {
		if v != "" {
			e.values = append(e.values, v)
		}
	}
	sort.Slice(e.values, func(i, j int) bool { return len(e.values[i]) > len(e.values[j]) })
	return e
}

// String returns s with every value replaced by Mask.
func (e Exact) String(s string) string {
	for _, v := range e.values {
		s = strings.ReplaceAll(s, v, Mask)
	}
	return s
}
