// Package redact is the one redactor every string stepstone prints goes
// through: reports in every format, stderr, error messages, Prometheus
// labels, the PR comment and the names handed to DNS.
//
// A run builds one Redactor, teaches it every secret the run knows (the
// config's credential keys, the passwords inside connection strings, the
// logging.otlp_headers values, tokens from the environment) and passes every
// outgoing string through Redactor.String. Besides the secrets it was taught,
// it masks what looks like a credential wherever it appears: URL userinfo,
// the go-sql-driver "user:pass@tcp(" form, credential query parameters and
// key=value pairs (password=, sig=, access_token=, X-Amz-Signature= ...),
// JSON members named like a credential, and Authorization header values.
//
// The DSN parsers in dsn.go split connection strings the way the drivers
// GreptimeDB and stepstone use split them, and refuse to name a host that
// could be a piece of the password.
package redact

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Mask replaces every secret. It is what the GitHub runner prints for a
// masked value too, so all outputs look alike.
const Mask = "***"

// substringMin is the length from which a secret is masked wherever it
// appears, even inside a longer word. Shorter secrets (and fragments) are
// masked only where they stand alone, so that a one-letter password does
// not mangle every word holding that letter.
const substringMin = 4

// fragmentMin is the shortest piece of a secret that is masked on its own.
const fragmentMin = 2

// fragmentSeparators split a secret into the pieces a parser may cut it
// into: URL and DSN delimiters, list separators and white space.
const fragmentSeparators = "@/,#?:;&= \t\r\n'\"()[]{}\\|"

// Redactor masks every secret it has learned, and every credential-looking
// text, in any string. The zero value is not ready: use New. It is safe for
// concurrent use; learning a secret after output started only protects
// later output, so learn everything first.
type Redactor struct {
	mu      sync.RWMutex
	secrets map[string]bool // as taught, for Secrets
	// long are masked as substrings, longest first; short only as words.
	long, short []string
}

// New returns a Redactor that knows the given secrets.
func New(secrets ...string) *Redactor {
	r := &Redactor{secrets: map[string]bool{}}
	r.Add(secrets...)
	return r
}

// Add teaches r secrets: passwords, keys, tokens. Each is also learned in
// the forms it takes inside other text (URL query and path escaping, Go and
// JSON quoting, percent-decoded), line by line when it spans lines, and
// piece by piece where a parser could split it ('@', '/', ',', ...).
func (r *Redactor) Add(secrets ...string) {
	var learn []string
	for _, s := range secrets {
		if strings.TrimSpace(s) == "" {
			continue
		}
		learn = append(learn, s)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// Only new secrets change anything: a run learns the same ones from
	// every file of a cluster, and learning rebuilds and sorts every form.
	fresh := learn[:0]
	for _, s := range learn {
		if !r.secrets[s] {
			fresh = append(fresh, s)
		}
	}
	if learn = fresh; len(learn) == 0 {
		return
	}
	forms := map[string]bool{}
	for _, l := range r.long {
		forms[l] = true
	}
	for _, l := range r.short {
		forms[l] = true
	}
	for _, s := range learn {
		r.secrets[s] = true
		for _, v := range variants(s) {
			forms[v] = true
		}
		for _, p := range fragments(s) {
			forms[p] = true
			for _, v := range variants(p) {
				forms[v] = true
			}
		}
	}
	r.long, r.short = r.long[:0], r.short[:0]
	for f := range forms {
		if onlyMask(f) {
			continue
		}
		if len(f) >= substringMin {
			r.long = append(r.long, f)
		} else {
			r.short = append(r.short, f)
		}
	}
	byLength := func(s []string) {
		sort.Slice(s, func(i, j int) bool {
			if len(s[i]) != len(s[j]) {
				return len(s[i]) > len(s[j])
			}
			return s[i] < s[j]
		})
	}
	byLength(r.long)
	byLength(r.short)
}

// variants returns the forms a secret takes inside other text.
func variants(s string) []string {
	out := []string{s, strings.TrimSpace(s), url.QueryEscape(s), url.PathEscape(s)}
	if d, err := url.PathUnescape(s); err == nil {
		out = append(out, d)
	}
	if d, err := url.QueryUnescape(s); err == nil {
		out = append(out, d)
	}
	if q := strconv.Quote(s); len(q) >= 2 {
		out = append(out, q[1:len(q)-1])
	}
	if utf8.ValidString(s) {
		if b, err := json.Marshal(s); err == nil && len(b) >= 2 {
			out = append(out, string(b[1:len(b)-1]))
		}
	}
	if strings.ContainsAny(s, "\r\n") {
		for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }) {
			out = append(out, line, strings.TrimSpace(line))
		}
	}
	keep := out[:0]
	for _, v := range out {
		if strings.TrimSpace(v) != "" {
			keep = append(keep, v)
		}
	}
	return keep
}

// fragments returns the pieces a parser could cut s into.
func fragments(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(fragmentSeparators, r) }) {
		if len(p) >= fragmentMin && p != s {
			out = append(out, p)
		}
	}
	return out
}

// onlyMask reports whether s holds nothing but mask characters: masking it
// could never end.
func onlyMask(s string) bool {
	return strings.Trim(s, "*") == ""
}

// Secrets returns the secrets r was taught, sorted, for GitHub's
// ::add-mask:: (which must see every one before anything else is printed).
func (r *Redactor) Secrets() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// String returns s with every learned secret and every credential-looking
// text replaced by Mask.
func (r *Redactor) String(s string) string {
	if r != nil {
		r.mu.RLock()
		long, short := r.long, r.short
		r.mu.RUnlock()
		s = maskKnown(s, long, short)
	}
	return Scrub(s)
}

// Strings redacts every element of ss in place and returns it.
func (r *Redactor) Strings(ss []string) []string {
	for i := range ss {
		ss[i] = r.String(ss[i])
	}
	return ss
}

// Error returns err with a redacted message; errors.Is and errors.As still
// see the original chain. nil stays nil.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: r.String(err.Error()), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// IsRedacted reports whether err came from Redactor.Error.
func IsRedacted(err error) bool {
	var re *redactedError
	return errors.As(err, &re)
}

// maskKnown replaces learned secrets, longest first, until none is left:
// a replacement can make a secret appear where two pieces meet.
func maskKnown(s string, long, short []string) string {
	for round := 0; round < 8; round++ {
		before := s
		for _, sec := range long {
			if strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, Mask)
			}
		}
		for _, sec := range short {
			s = replaceWord(s, sec)
		}
		if s == before {
			break
		}
	}
	return s
}

// replaceWord replaces w where no letter or digit touches it on either side.
func replaceWord(s, w string) string {
	if !strings.Contains(s, w) {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, w)
		if i < 0 {
			b.WriteString(rest)
			break
		}
		done := len(s) - len(rest)
		start, end := done+i, done+i+len(w)
		if !wordByteBefore(s, start) && !wordByteAt(s, end) {
			b.WriteString(rest[:i])
			b.WriteString(Mask)
			rest = rest[i+len(w):]
			continue
		}
		b.WriteString(rest[:i+1])
		rest = rest[i+1:]
	}
	return b.String()
}

func wordByteBefore(s string, i int) bool { return i > 0 && isWordByte(s[i-1]) }
func wordByteAt(s string, i int) bool     { return i < len(s) && isWordByte(s[i]) }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// credentialNames are the key and parameter names whose values are secrets,
// in libpq DSNs, query strings, Azure connection strings, presigned URLs and
// JSON.
const credentialNames = `password|passwd|pwd|sslpassword|secret|client_secret|secret_access_key|secret_key|access_key_secret|account_key|accountkey|sharedaccesssignature|sas_token|sastoken|token|access_token|refresh_token|id_token|session_token|security_token|auth_token|api_key|apikey|api-key|x-api-key|private_key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|x-goog-security-token|authorization|proxy-authorization`

// headerNames are the HTTP headers whose values are secrets ("name: value").
const headerNames = `authorization|proxy-authorization|x-api-key|api-key|apikey|x-auth-token|x-amz-security-token|x-goog-security-token|x-ms-authorization`

const userProviderPrefix = "static_user_provider:cmd:"

// secretValue matches a value: quoted (closed, or running to the end of the
// line when the closing quote is missing), or unquoted up to a separator
// with backslash escapes (libpq).
const secretValue = `('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|['"][^\r\n]*|(?:\\.|[^\s&;,'")\\}\]])+)`

// scrubRegexps are Scrub's patterns, compiled on first use (scrubRE) rather
// than at every start: compiling them was nearly all of this package's
// initialisation, which commands that redact nothing (version, help,
// completion) paid too.
type scrubRegexps struct {
	// urlUserinfo matches a URL's userinfo up to the last '@' of the same
	// word: a password often holds a raw '@', '/' or '#', and too wide a
	// match only hides more.
	urlUserinfo *regexp.Regexp
	// goMySQLUserinfo matches the go-sql-driver form "user:pass@tcp(".
	goMySQLUserinfo *regexp.Regexp
	// secretParams matches name=value pairs.
	secretParams *regexp.Regexp
	// secretHeaders matches "Authorization: Bearer value" and its kin.
	secretHeaders *regexp.Regexp
	// jsonSecret matches a JSON member named like a credential.
	jsonSecret *regexp.Regexp
	// userProvider matches GreptimeDB's inline user list,
	// static_user_provider:cmd:user=pwd[,user2=pwd2]: all of it is masked.
	userProvider *regexp.Regexp
	// bearer matches an Authorization scheme followed by its token.
	bearer *regexp.Regexp
}

var scrubRE = sync.OnceValue(func() *scrubRegexps {
	return &scrubRegexps{
		urlUserinfo:     regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)[^\s'"<>]*@`),
		goMySQLUserinfo: regexp.MustCompile(`([^\s/:@'"()]+):[^\s'"]*@(tcp6?|tcp4|unix)\(`),
		secretParams:    regexp.MustCompile(`(?i)(^|[^A-Za-z0-9_-])(` + credentialNames + `)(\s*=\s*)((?:bearer|basic)\s+)?` + secretValue),
		secretHeaders:   regexp.MustCompile(`(?i)(^|[^A-Za-z0-9_-])(` + headerNames + `)(\s*:\s*)((?:bearer|basic|token|sharedkey|sharedaccesssignature)\s+)?` + secretValue),
		jsonSecret:      regexp.MustCompile(`(?i)("(?:` + credentialNames + `)"\s*:\s*)"(?:[^"\\]|\\.)*"`),
		userProvider:    regexp.MustCompile(`(` + userProviderPrefix + `)[^\s'"]+`),
		bearer:          regexp.MustCompile(`(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=\-]{4,}`),
	}
})

// Scrub masks credential-looking text without knowing any secret: URL
// userinfo, "user:pass@tcp(", credential parameters and JSON members, and
// bearer tokens. Redactor.String calls it after the learned secrets.
func Scrub(s string) string {
	re := scrubRE()
	if strings.Contains(s, "://") {
		s = re.urlUserinfo.ReplaceAllString(s, "${1}"+Mask+"@")
	}
	if strings.Contains(s, "@") {
		s = re.goMySQLUserinfo.ReplaceAllString(s, "${1}:"+Mask+"@${2}(")
	}
	if strings.Contains(s, userProviderPrefix) {
		s = re.userProvider.ReplaceAllString(s, "${1}"+Mask)
	}
	// Each pattern below needs a character (or word) most text lacks: the
	// checks skip the regular expressions, the costly part of masking a
	// report, without changing what they match.
	colon := strings.IndexByte(s, ':') >= 0
	if colon && strings.IndexByte(s, '"') >= 0 {
		s = re.jsonSecret.ReplaceAllString(s, `${1}"`+Mask+`"`)
	}
	for _, pat := range []*regexp.Regexp{re.secretParams, re.secretHeaders} {
		if pat == re.secretParams && strings.IndexByte(s, '=') < 0 || pat == re.secretHeaders && !colon {
			continue
		}
		s = pat.ReplaceAllStringFunc(s, func(m string) string {
			sub := pat.FindStringSubmatch(m)
			if sub[5] == Mask || sub[5] == `"`+Mask+`"` || sub[5] == "'"+Mask+"'" {
				return m
			}
			return sub[1] + sub[2] + sub[3] + sub[4] + Mask
		})
	}
	if !containsFoldASCII(s, "bearer") {
		return s
	}
	s = re.bearer.ReplaceAllStringFunc(s, func(m string) string {
		sub := re.bearer.FindStringSubmatch(m)
		return sub[1] + sub[2] + Mask
	})
	return s
}

// containsFoldASCII reports whether s holds word (lower-case ASCII letters
// that no other Unicode letter folds to) in any case.
func containsFoldASCII(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		j := 0
		for ; j < len(word); j++ {
			if c := s[i+j]; c != word[j] && c+'a'-'A' != word[j] {
				break
			}
		}
		if j == len(word) {
			return true
		}
	}
	return false
}

// StripUserinfo removes "user:pass@" from a URL for display, up to the last
// '@' of the word; other text comes back unchanged.
func StripUserinfo(s string) string {
	return scrubRE().urlUserinfo.ReplaceAllString(s, "${1}")
}
