package run

import (
	"context"
	"math"
	"regexp"
	"strings"
	"sync"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/memo"
	"github.com/stepstone-dev/stepstone/internal/parallel"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// NewRedactor returns the run's one redactor, taught every secret the units
// carry: the values of the schema's secret keys (and of unknown keys named
// like credentials), every credential inside a connection string or
// store_addrs entry, the logging.otlp_headers values, and the environment's
// GREPTIMEDB_* values whole, before GreptimeDB's comma split can cut a
// password in two.
func NewRedactor(units []Unit) *redact.Redactor {
	red := redact.New()
	seen := map[*configs.File]bool{}
	var files []*configs.File
	envSeen := map[string]bool{}
	for _, u := range units {
		for _, f := range []*configs.File{u.File, u.LintFile, u.ProbeFile} {
			if f == nil || seen[f] {
				continue
			}
			seen[f] = true
			files = append(files, f)
		}
		for _, kv := range u.Env {
			if envSeen[kv] {
				continue
			}
			envSeen[kv] = true
			learnEnv(red, kv)
		}
	}
	// Files are learned on every core: the redactor keeps its secrets as
	// a sorted set, so the order they are learned in changes nothing.
	l := newLearner(red)
	parallel.For(context.Background(), len(files), func(i int) { l.file(files[i]) })
	return red
}

// LearnFile teaches red every secret of f and of its env overrides.
func LearnFile(red *redact.Redactor, f *configs.File) {
	newLearner(red).file(f)
}

// learner teaches a redactor the secrets of many files, reading each
// distinct value once: AddDSN tries every connection-string grammar on a
// value, and the configs of one cluster repeat most of their values.
type learner struct {
	red  *redact.Redactor
	mu   sync.Mutex
	seen map[learnt]bool
}

// learnt is a value read, with its kind (header values apart from the
// rest).
type learnt struct {
	kind byte
	s    string
}

func newLearner(red *redact.Redactor) *learner {
	return &learner{red: red, seen: map[learnt]bool{}}
}

// first reports whether s is seen for the first time.
func (l *learner) first(kind byte, s string) bool {
	k := learnt{kind, s}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen[k] {
		return false
	}
	l.seen[k] = true
	return true
}

func (l *learner) file(f *configs.File) {
	red := l.red
	if f.SyntaxError != nil {
		learnRawSecrets(red, f.Source)
	}
	visit := func(key, sk string, v any) {
		headers := strings.HasPrefix(sk, "logging.otlp_headers")
		eachString(v, func(s string) {
			switch {
			case headers:
				if l.first('h', s) {
					red.AddHeaders(s)
				}
			default:
				// AddDSN learns nothing from a value without a
				// credential, so every string may go through it.
				if redact.MayHoldDSNSecret(s) && l.first('d', s) {
					red.AddDSN(s)
				}
			}
		})
	}
	// The redactor keeps a set: learning the credential keys' values
	// after the connection strings changes nothing.
	red.Add(configs.SecretsAnd(f, visit)...)
}

// rawAssignment is one "key = value" line as written, whether or not the
// file parses.
var rawAssignment = regexp.MustCompile(`^\s*([A-Za-z0-9_."'\-]+(?:\s*\.\s*[A-Za-z0-9_."'\-]+)*)\s*=\s*(.*?)\s*$`)

// learnRawSecrets learns the values of credential-named keys from the text
// of a file that does not parse: the TOML decoder quotes the text it
// stopped at, and an unquoted secret is that text. The value is learned
// whole and token by token (the decoder cuts a bare word at '-', '.', '+'
// ...), as are the store_addrs and connection strings on such lines.
func learnRawSecrets(red *redact.Redactor, src []byte) {
	for _, line := range strings.Split(string(src), "\n") {
		m := rawAssignment.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key := strings.ToLower(strings.Trim(m[1], `"' `))
		val := strings.TrimSpace(m[2])
		if dsnish(key) {
			red.AddDSN(strings.Trim(val, `[]"' `))
		}
		if !containsAny(strings.ToUpper(key), "PASSWORD", "SECRET", "TOKEN", "ACCOUNT_KEY", "SAS", "CREDENTIAL", "PRIVATE_KEY", "AUTHORIZATION") {
			continue
		}
		red.Add(strings.Trim(val, `"'`))
		for _, tok := range strings.FieldsFunc(val, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}) {
			if len(tok) >= 2 {
				red.Add(tok)
			}
		}
	}
}

func dsnish(key string) bool {
	return strings.Contains(key, "store_addrs") || strings.Contains(key, "connection_string")
}

// learnEnv learns a GREPTIMEDB_* variable from its unsplit value: a list
// variable (STORE_ADDRS) is cut on ',' by GreptimeDB, which may cut a
// password, so the whole value is learned first.
func learnEnv(red *redact.Redactor, kv string) {
	name, value, ok := strings.Cut(kv, "=")
	if !ok || !strings.HasPrefix(strings.ToUpper(name), "GREPTIMEDB_") || value == "" {
		return
	}
	upper := strings.ToUpper(name)
	switch {
	case strings.Contains(upper, "OTLP_HEADERS"):
		red.AddHeaders(value)
	case containsAny(upper, "PASSWORD", "SECRET", "TOKEN", "ACCOUNT_KEY", "SAS", "CREDENTIAL", "PRIVATE_KEY"):
		red.Add(value)
	}
	red.AddDSN(value)
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// eachString calls fn with the strings a config value holds: itself, a
// list's elements or a table's values.
func eachString(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, el := range x {
			eachString(el, fn)
		}
	case []string:
		for _, el := range x {
			fn(el)
		}
	case map[string]any:
		for _, el := range x {
			eachString(el, fn)
		}
	}
}

// memoMask masks each distinct text once. A run over many copies of one
// config repeats the same keys, values and messages thousands of times,
// and each redaction runs several regular expressions; equal texts then
// also share one copy in memory. mask must be safe for concurrent use.
type memoMask struct {
	mask func(string) string
	// done reads without a lock (see memo.Map): the JSON writer reads
	// effective values through the mask on every core
	// (report.Values.Masked). Unbounded: a report's texts are bounded by
	// the report itself.
	done memo.Map[string, string]
}

func newMemoMask(mask func(string) string) *memoMask {
	m := &memoMask{mask: mask}
	m.done.Max = math.MaxInt64
	return m
}

func (m *memoMask) String(s string) string {
	if s == "" {
		return s
	}
	return m.done.Get(s, m.maskOnce)
}

// maskOnce masks s; a text the mask leaves alone is kept as the copy the
// memo holds.
func (m *memoMask) maskOnce(s string) string {
	if out := m.mask(s); out != s {
		return out
	}
	return s
}

// MaskReport replaces, with mask, every text the report carries. Run
// masks with r.Redactor, so that no writer can print a secret of the run,
// whatever it forgets; kube masks once more with the values of a cluster's
// Secrets (redact.Exact). The components are masked on every core.
func MaskReport(r *report.Report, mask func(string) string) {
	m := newMemoMask(mask)
	s := m.String
	findings := func(fs []report.Finding) {
		for i := range fs {
			f := &fs[i]
			f.Message, f.Suggestion, f.Key, f.Pos.File = s(f.Message), s(f.Suggestion), s(f.Key), s(f.Pos.File)
			for j := range f.Related {
				r := &f.Related[j]
				r.Message, r.Key, r.File = s(r.Message), s(r.Key), s(r.File)
			}
		}
	}
	// Redaction must finish even when the run was interrupted.
	parallel.For(context.Background(), len(r.Components), func(i int) {
		c := &r.Components[i]
		findings(c.Findings)
		findings(c.Suppressed) // SARIF lists them
		for j := range c.Probes {
			p := &c.Probes[j]
			p.Name, p.Message, p.Suggestion, p.Key, p.Pos.File = s(p.Name), s(p.Message), s(p.Suggestion), s(p.Key), s(p.Pos.File)
		}
		c.Component, c.ConfigFile = s(c.Component), s(c.ConfigFile)
		// The values are read through the mask from now on (see
		// report.Values.Masked), not copied masked; an origin at a line
		// of the file is the masked file name and the line.
		if c.Values.Len() > 0 {
			c.Values = c.Values.Masked(s)
		}
	})
	findings(r.ClusterFindings)
}
