package probe

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// redacted replaces every secret stepstone removes from its output.
const redacted = "***"

// minSubstringSecret is the length from which a secret is removed wherever
// it appears, even inside a longer word.
const minSubstringSecret = 4

var (
	// urlUserinfo matches the userinfo of a URL ("scheme://user:pass@"),
	// which pgx, the MySQL driver and most HTTP clients echo in errors.
	urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s@'"]*@`)
	// goMySQLUserinfo matches the go-sql-driver DSN form "user:pass@tcp(".
	goMySQLUserinfo = regexp.MustCompile(`([^\s/:@'"()]+):[^\s@'"]*@(tcp|unix)\(`)
	// secretParams matches key=value pairs that carry credentials in a libpq
	// DSN, a query string or an Azure connection string. Quoted libpq values
	// ('a b') are matched whole.
	secretParams = regexp.MustCompile(`(?i)\b(password|passwd|pwd|sslpassword|secret|secret_access_key|access_key_secret|account_key|accountkey|sharedaccesssignature|sas_token|token|access_token|sig|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)(\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;,'")]+)`)
)

// redact returns s with every secret and every URL userinfo replaced by
// "***", so that no password, key, token or full DSN reaches a report.
// Drivers echo connection strings in their errors (pgx prints the parsed
// config, the MySQL driver its DSN), so every message passes through here.
//
// Longer secrets are replaced first, so that a secret containing a shorter
// one is still removed whole. Escaped forms (URL query and path escaping)
// are replaced too, because a secret written inside a URL appears escaped.
func redact(s string, secrets ...string) string {
	var all []string
	seen := map[string]bool{}
	for _, sec := range secrets {
		for _, v := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec), strings.TrimSpace(sec)} {
			if v != "" && !seen[v] {
				seen[v] = true
				all = append(all, v)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
	for _, sec := range all {
		if len(sec) >= minSubstringSecret {
			s = strings.ReplaceAll(s, sec, redacted)
			continue
		}
		// A very short secret ("p") would mangle every word containing it,
		// so it is only replaced where it stands alone.
		re := regexp.MustCompile(`(^|[^A-Za-z0-9])` + regexp.QuoteMeta(sec) + `($|[^A-Za-z0-9])`)
		for prev := ""; prev != s; {
			prev = s
			s = re.ReplaceAllString(s, "${1}"+redacted+"${2}")
		}
	}
	s = urlUserinfo.ReplaceAllString(s, "${1}"+redacted+"@")
	s = goMySQLUserinfo.ReplaceAllString(s, "${1}:"+redacted+"@${2}(")
	s = secretParams.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretParams.FindStringSubmatch(m)
		if sub[3] == redacted {
			return m
		}
		return sub[1] + sub[2] + redacted
	})
	return s
}

// stripUserinfo removes "user:pass@" from a URL for display; strings that
// are not URLs come back unchanged.
func stripUserinfo(s string) string {
	return urlUserinfo.ReplaceAllString(s, "${1}")
}

// urlSecrets returns the password (and the whole userinfo) of a URL, to be
// redacted wherever the URL's errors may show up.
func urlSecrets(raw string) []string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.User == nil {
		return nil
	}
	var out []string
	if p, ok := u.User.Password(); ok && p != "" {
		out = append(out, p)
	}
	return out
}
