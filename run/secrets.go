package run

import (
	"regexp"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
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
	envSeen := map[string]bool{}
	for _, u := range units {
		for _, f := range []*configs.File{u.File, u.LintFile, u.ProbeFile} {
			if f == nil || seen[f] {
				continue
			}
			seen[f] = true
			LearnFile(red, f)
		}
		for _, kv := range u.Env {
			if envSeen[kv] {
				continue
			}
			envSeen[kv] = true
			learnEnv(red, kv)
		}
	}
	return red
}

// LearnFile teaches red every secret of f and of its env overrides.
func LearnFile(red *redact.Redactor, f *configs.File) {
	red.Add(configs.Secrets(f)...)
	if f.SyntaxError != nil {
		learnRawSecrets(red, f.Source)
	}
	visit := func(key string, v any) {
		sk := configs.SchemaKey(key)
		headers := strings.HasPrefix(sk, "logging.otlp_headers")
		for _, s := range stringsOf(v) {
			switch {
			case headers:
				red.AddHeaders(s)
			default:
				// AddDSN learns nothing from a value without a
				// credential, so every string may go through it.
				red.AddDSN(s)
			}
		}
	}
	configs.EachValue(f, visit)
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

// stringsOf returns the strings a config value holds: itself, a list's
// elements or a table's values.
func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, el := range x {
			out = append(out, stringsOf(el)...)
		}
		return out
	case []string:
		return x
	case map[string]any:
		var out []string
		for _, el := range x {
			out = append(out, stringsOf(el)...)
		}
		return out
	}
	return nil
}

// redactReport masks every secret of the run in every text the report
// carries, so that no writer can print one, whatever it forgets.
func redactReport(r *report.Report) {
	s := r.Redactor.String
	findings := func(fs []report.Finding) {
		for i := range fs {
			f := &fs[i]
			f.Message, f.Suggestion, f.Key, f.Pos.File = s(f.Message), s(f.Suggestion), s(f.Key), s(f.Pos.File)
		}
	}
	for i := range r.Components {
		c := &r.Components[i]
		c.Component, c.ConfigFile = s(c.Component), s(c.ConfigFile)
		findings(c.Findings)
		for j := range c.Probes {
			p := &c.Probes[j]
			p.Name, p.Message, p.Suggestion, p.Key, p.Pos.File = s(p.Name), s(p.Message), s(p.Suggestion), s(p.Key), s(p.Pos.File)
		}
		for j := range c.Values {
			v := &c.Values[j]
			v.Key, v.Value, v.Origin = s(v.Key), s(v.Value), s(v.Origin)
		}
	}
	findings(r.ClusterFindings)
}
