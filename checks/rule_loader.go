package checks

import (
	"fmt"
	"net"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// Rules that follow GreptimeDB's loader where it is stricter (or more
// lenient) than the key's kind says: the facts come from the curated layer
// (configs/curated.go) for the release the file is judged by.

var ruleIntRange = &Rule{
	Rule: report.Rule{
		ID:       "int-out-of-range",
		Severity: report.Error,
		Summary:  "an integer outside the Rust type of its field (negative into unsigned, too big, or 0 into a NonZero field)",
		Help:     "write a value the field's type holds; GreptimeDB refuses to load the config otherwise",
	},
	Check: func(c *Context) {
		for _, e := range c.keyEntries() {
			sp := c.Schema.Lookup(configs.SchemaKey(e.Key))
			if sp == nil || (sp.Int == "" && !sp.NonZero) || e.Header {
				continue
			}
			v, ok := c.File.Get(e.Key)
			n, isInt := v.(int64)
			if !ok || !isInt {
				continue
			}
			if sp.NonZero && n == 0 {
				c.ReportValue(e.Key, "", "%s = 0, but the field is NonZero: GreptimeDB %s refuses to load the config", displayKey(e.Key), c.File.Version)
				continue
			}
			lo, hi, unsigned, ok := configs.IntRange(sp.Int)
			if !ok || (n >= lo && n <= hi) {
				continue
			}
			if unsigned && n < 0 {
				c.ReportValue(e.Key, "", "%s = %d is negative, but the field is %s (unsigned): GreptimeDB %s refuses to load the config", displayKey(e.Key), n, sp.Int, c.File.Version)
				continue
			}
			c.ReportValue(e.Key, "", "%s = %d does not fit the field's type %s (%d..%d): GreptimeDB %s refuses to load the config", displayKey(e.Key), n, sp.Int, lo, hi, c.File.Version)
		}
	},
}

var ruleListenAddr = &Rule{
	Rule: report.Rule{
		ID:       "listen-addr-not-ip",
		Severity: report.Error,
		Summary:  "a listen address that is not an IP literal, where GreptimeDB parses it as a socket address at start",
		Help:     "write an IP address (0.0.0.0, 127.0.0.1 or the pod IP) and a port; host names are for advertised addresses such as grpc.server_addr",
	},
	Check: func(c *Context) {
		for _, e := range c.keyEntries() {
			sp := c.Schema.Lookup(configs.SchemaKey(e.Key))
			if sp == nil || !sp.Listen || e.Header {
				continue
			}
			s, ok := c.File.String(e.Key)
			if !ok || s == "" || c.File.IsPlaceholder(s) {
				continue
			}
			if socketAddrLiteral(s) {
				continue
			}
			host, _, err := net.SplitHostPort(s)
			if err != nil {
				continue // invalid-address reports it
			}
			c.ReportValue(e.Key, "", "%s = %q names host %q, but GreptimeDB parses a listen address as an IP and port: the server does not start",
				displayKey(e.Key), s, host)
		}
	},
}

// socketAddrLiteral reports whether Rust's SocketAddr parser takes s: an
// IPv4 address and port, or an IPv6 address in brackets and a port.
func socketAddrLiteral(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || port == "" {
		return false
	}
	for _, r := range port {
		if r < '0' || r > '9' {
			return false
		}
	}
	if strings.Contains(host, "%") {
		return false
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	// IPv6 must be bracketed, IPv4 must not.
	return (ip.To4() != nil && !strings.Contains(host, ":")) == !strings.HasPrefix(s, "[")
}

var ruleRequiredInContext = &Rule{
	Rule: report.Rule{
		ID:       "required-in-section",
		Severity: report.Error,
		Summary:  "a field GreptimeDB needs whenever its section is written, because the section has no default to fill it in",
		Help:     "write the field in the section, or remove the section",
	},
	Check: func(c *Context) {
		for _, sp := range c.Schema.Specs() {
			if sp.Required == "" || strings.Contains(sp.Key, "[]") {
				continue
			}
			i := configs.LastDot(sp.Key)
			if i < 0 {
				continue
			}
			parent := sp.Key[:i]
			// An empty table is dropped by the config layer, as if not
			// written (the flownode example ships one).
			if m, _ := c.File.Get(parent); len(asMap(m)) == 0 || c.File.Has(sp.Key) {
				continue
			}
			c.Report(parent, "write "+sp.Key[i+1:]+" in ["+parent+"]", "[%s] is written without %s, which GreptimeDB %s requires %s: it refuses to load the config (missing field)",
				parent, sp.Key[i+1:], c.File.Version, sp.Required)
		}
	},
}

var ruleEditionOnly = &Rule{
	Rule: report.Rule{
		ID:       "enterprise-only",
		Severity: report.Error,
		Summary:  "a value only GreptimeDB Enterprise builds accept",
		Help:     "use a value the open-source build accepts, or pass --edition enterprise if the cluster runs an enterprise build",
	},
	Check: func(c *Context) {
		if c.File.Enterprise {
			return
		}
		for _, e := range c.keyEntries() {
			sp := c.Schema.Lookup(configs.SchemaKey(e.Key))
			if sp == nil || len(sp.Enterprise) == 0 || e.Header {
				continue
			}
			v, ok := c.File.Get(e.Key)
			if !ok {
				continue
			}
			vals := []any{v}
			if arr, isArr := v.([]any); isArr {
				vals = arr
			}
			for _, x := range vals {
				text := fmt.Sprint(x)
				shown := text
				if _, isStr := x.(string); isStr {
					shown = fmt.Sprintf("%q", text)
				}
				for _, ent := range sp.Enterprise {
					if text == ent {
						c.ReportValue(e.Key, "", "%s = %s: enterprise builds only; open-source GreptimeDB %s refuses it", displayKey(e.Key), shown, c.File.Version)
					}
				}
			}
		}
	},
}

var ruleLogLevel = &Rule{
	Rule: report.Rule{
		ID:       "invalid-log-level",
		Severity: report.Error,
		Summary:  "a logging.level GreptimeDB cannot parse as a list of tracing targets",
		Help:     `write comma-separated LEVEL or TARGET=LEVEL directives, LEVEL one of off, error, warn, info, debug, trace (for example "info,greptime=debug")`,
	},
	Check: func(c *Context) {
		s, ok := c.File.String("logging.level")
		if !ok || c.File.IsPlaceholder(s) {
			return
		}
		if bad := badLogDirective(s); bad != "" {
			c.ReportValue("logging.level", "", "logging.level directive %q is not TARGET=LEVEL with a known level: GreptimeDB fails at start", bad)
		}
	},
}

// badLogDirective returns the first directive tracing_subscriber's Targets
// parser refuses: "target=level" with a level it does not know, or more
// than one "=".
func badLogDirective(s string) string {
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(d)
		target, level, hasLevel := strings.Cut(d, "=")
		if !hasLevel {
			continue // a bare level, or a bare target (enabled at trace)
		}
		if strings.Contains(level, "=") || strings.TrimSpace(target) == "" && level == "" {
			return d
		}
		switch strings.ToLower(strings.TrimSpace(level)) {
		case "off", "error", "warn", "info", "debug", "trace", "0", "1", "2", "3", "4", "5":
		default:
			return d
		}
	}
	return ""
}

var ruleRegionEngineOne = &Rule{
	Rule: report.Rule{
		ID:       "region-engine-one",
		Severity: report.Error,
		Summary:  "a [[region_engine]] element that holds no engine or more than one",
		Help:     "write one [[region_engine]] element per engine: [region_engine.mito], then another [[region_engine]] for [region_engine.metric]",
	},
	Check: func(c *Context) {
		v, ok := c.File.Get("region_engine")
		if !ok {
			return
		}
		elems, _ := v.([]map[string]any)
		if elems == nil {
			if arr, isArr := v.([]any); isArr {
				for _, x := range arr {
					if m, isMap := x.(map[string]any); isMap {
						elems = append(elems, m)
					}
				}
			}
		}
		for i, m := range elems {
			key := fmt.Sprintf("region_engine[%d]", i)
			if len(m) != 1 {
				names := make([]string, 0, len(m))
				for k := range m {
					names = append(names, k)
				}
				c.Report(key, "", "region_engine element %d holds %d engines (%s); GreptimeDB reads each element as one engine and refuses to load the config", i+1, len(m), strings.Join(sortedStrings(names), ", "))
			}
		}
	},
}

var ruleAliasConflict = &Rule{
	Rule: report.Rule{
		ID:       "alias-conflict",
		Severity: report.Error,
		Summary:  "a field written under both its name and its deprecated alias",
		Help:     "keep only the current name",
	},
	Check: func(c *Context) {
		for _, a := range configs.Aliases {
			if a.Components != nil && !hasComponent(a.Components, c.File.Component) {
				continue
			}
			if !c.File.Version.AtLeast(a.Since) {
				continue
			}
			if c.File.Has(a.Name) && c.File.Has(a.Alias) {
				c.Report(a.Alias, "remove "+a.Alias, "%s and its alias %s are both set: GreptimeDB %s refuses to load the config (duplicate field)", a.Name, a.Alias, c.File.Version)
			}
		}
	},
}

var rulePlaceholders = &Rule{
	Rule: report.Rule{
		ID:       "template-placeholders",
		Severity: report.Info,
		Summary:  "values that are template placeholders, not checked until rendered",
		Help:     "check the rendered config too; --placeholder REGEX adds a placeholder pattern",
	},
	Check: func(c *Context) {
		keys := c.File.PlaceholderKeys()
		if len(keys) == 0 {
			return
		}
		c.Report(keys[0], "", "%d placeholder value(s) not checked (first: %s); they are filled in before GreptimeDB reads the file", len(keys), displayKey(keys[0]))
	},
}

// keyRules judge keys, not values: they still run on keys whose value is
// a template placeholder.
var keyRules = map[string]bool{
	"toml-syntax": true, "duplicate-key": true, "unknown-key": true, "renamed-key": true,
	"deprecated-key": true, "other-component-key": true, "key-not-for-type": true,
	"env-unknown-key": true, "env-shadowed": true, "template-placeholders": true,
	"alias-conflict": true, "region-engine-one": true,
}

// withoutPlaceholderValues drops value findings on keys whose value is a
// template placeholder.
func withoutPlaceholderValues(f *configs.File, findings []report.Finding) []report.Finding {
	if f == nil || f.Tree == nil {
		return findings
	}
	out := findings[:0]
	for _, fd := range findings {
		if !keyRules[fd.Rule] && fd.Key != "" && valueIsPlaceholder(f, fd.Key) {
			continue
		}
		out = append(out, fd)
	}
	return out
}

func valueIsPlaceholder(f *configs.File, key string) bool {
	v, ok := f.Get(key)
	if !ok {
		return false
	}
	switch x := v.(type) {
	case string:
		return f.IsPlaceholder(x)
	case []any:
		for _, el := range x {
			if s, ok := el.(string); ok && f.IsPlaceholder(s) {
				return true
			}
		}
	}
	return false
}

// withoutClusterPlaceholders drops cluster findings on placeholder values.
func withoutClusterPlaceholders(files []*configs.File, findings []report.Finding) []report.Finding {
	out := findings[:0]
	for _, fd := range findings {
		drop := false
		for _, f := range files {
			if f.Path == fd.Pos.File && fd.Key != "" && f.Tree != nil && valueIsPlaceholder(f, fd.Key) {
				drop = true
			}
		}
		if !drop {
			out = append(out, fd)
		}
	}
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}
