package lint

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// GreptimeDB binaries deserialize options strictly (serde flatten buffers
// values, then deserializes them without coercion), so a quoted number or a
// bare integer duration stops the server at start. SCHEMA.md section 0.

// valueRef is one value to check: from the file, or from an env override.
type valueRef struct {
	key, sk string // the canonical key and its schema key
	val     any
	spec    *configs.Spec
	env     string // the variable's name when the value came from the environment
}

// specValues lists the values of keys the schema knows, file first, then
// env overrides that take effect; computed once per file (eight rules
// read it), never to be changed by a rule.
func specValues(c *Context) []valueRef {
	if c.specVals == nil {
		c.specVals = listSpecValues(c, c.room.specVals[:0])
	}
	return c.specVals
}

func listSpecValues(c *Context, out []valueRef) []valueRef {
	entries := c.keyEntries()
	out = slices.Grow(out, len(entries))
	for i, e := range entries {
		// A table header is a value too: [node_id] makes node_id a table,
		// which GreptimeDB refuses like any other wrong type. Headers of
		// tables that are tables are simply right.
		if cls, sp := c.keyClass(i); cls == keyKnown {
			if v, ok := c.File.EntryValue(e); ok {
				out = append(out, valueRef{key: e.Key, sk: e.SchemaKey(), val: v, spec: sp})
			}
		}
	}
	if c.File.Env != nil {
		for _, k := range c.File.Env.Keys() {
			sk := configs.SchemaKey(k)
			if sp := c.Schema.Lookup(sk); sp != nil {
				ev := c.File.Env.Values[k]
				out = append(out, valueRef{key: k, sk: sk, val: ev.Value, spec: sp, env: ev.Var})
			}
		}
	}
	return out
}

// report puts a finding on the value, or on the file for an env value.
func (v valueRef) report(c *Context, help, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if v.env != "" {
		c.ReportEnv(v.key, help, "%s (from env %s)", msg, v.env)
		return
	}
	c.ReportValue(v.key, help, "%s", msg)
}

// show renders a value for a message, never a secret's.
func (v valueRef) show() string {
	if v.spec.Secret {
		return "(secret)"
	}
	return describe(v.val)
}

// describe renders a decoded TOML value with its type: the string "7",
// the integer 30.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 60 {
			x = x[:57] + "..."
		}
		return fmt.Sprintf("the string %q", x)
	case int64:
		return fmt.Sprintf("the integer %d", x)
	case float64:
		return fmt.Sprintf("the float %g", x)
	case bool:
		return fmt.Sprintf("the boolean %t", x)
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	case time.Time:
		return "a date-time"
	}
	return fmt.Sprintf("a %T", v)
}

// typeOK reports whether a decoded value has the TOML type kind k needs.
func typeOK(k configs.Kind, v any) bool {
	switch k {
	case configs.KindAny:
		return true
	case configs.KindString, configs.KindEnum, configs.KindAddr, configs.KindDuration, configs.KindExhaustedPolicy:
		_, ok := v.(string)
		return ok
	case configs.KindInt:
		_, ok := v.(int64)
		return ok
	case configs.KindFloat:
		switch v.(type) {
		case int64, float64:
			return true
		}
	case configs.KindBool:
		_, ok := v.(bool)
		return ok
	case configs.KindArray:
		_, ok := v.([]any)
		return ok
	case configs.KindTable, configs.KindMap:
		_, ok := v.(map[string]any)
		return ok
	case configs.KindArrayTable:
		switch v.(type) {
		case []map[string]any, []any:
			return true
		}
	case configs.KindSize, configs.KindMemoryLimit, configs.KindIndexMemThreshold:
		switch v.(type) {
		case int64, string:
			return true
		}
	}
	return false
}

// typeHelp says how to write a value of kind k.
func typeHelp(sp *configs.Spec) string {
	switch sp.Kind {
	case configs.KindDuration:
		return `write a duration string with a unit, such as "30s" or "500ms"`
	case configs.KindSize:
		return `write a size such as "64MB" or a number of bytes`
	case configs.KindBool:
		return "write true or false without quotes"
	case configs.KindInt:
		return "write the number without quotes"
	case configs.KindFloat:
		return "write a number without quotes"
	case configs.KindString, configs.KindAddr, configs.KindEnum:
		return "quote the value"
	case configs.KindArray:
		return `write an array, such as ["a", "b"]`
	}
	return fmt.Sprintf("write a %s", sp.Kind)
}

var ruleTypeMismatch = &Rule{
	Rule: report.Rule{
		ID:       "type-mismatch",
		Severity: report.Error,
		Summary:  "a value of the wrong TOML type (GreptimeDB refuses to start)",
		Help:     "write the value with the type the key expects",
	},
	Check: func(c *Context) {
		for _, v := range specValues(c) {
			if !typeOK(v.spec.Kind, v.val) {
				v.report(c, typeHelp(v.spec), "%s must be %s, not %s", displayKey(v.key), withArticle(v.spec.Kind.String()), v.show())
				continue
			}
			if arr, ok := v.val.([]any); ok && v.spec.Kind == configs.KindArray && v.spec.Elem != configs.KindAny {
				for i, el := range arr {
					if !typeOK(v.spec.Elem, el) {
						elem := *v.spec
						elem.Kind = v.spec.Elem
						v.report(c, typeHelp(&elem), "%s[%d] must be %s, not %s", displayKey(v.key), i, withArticle(v.spec.Elem.String()), describe(el))
						break
					}
				}
			}
		}
	},
}

// withArticle puts "a" or "an" before a kind name: "an integer", "a string".
func withArticle(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

var ruleInvalidEnum = &Rule{
	Rule: report.Rule{
		ID:       "invalid-enum",
		Severity: report.Error,
		Summary:  "a value that is not one of the spellings GreptimeDB accepts (they are case-sensitive)",
		Help:     "use one of the accepted values, spelled exactly",
	},
	Check: func(c *Context) {
		for _, v := range specValues(c) {
			for _, ev := range enumValues(v) {
				i, s := ev.i, ev.s
				if contains(v.spec.Enum, s) {
					continue
				}
				key := displayKey(v.key)
				if i >= 0 {
					key = fmt.Sprintf("%s[%d]", key, i)
				}
				msg := fmt.Sprintf("%s %q is not one of %s", key, s, quoteList(v.spec.Enum))
				help := "use one of " + quoteList(v.spec.Enum)
				if near := nearestEnum(s, v.spec.Enum); near != "" {
					msg += fmt.Sprintf(": did you mean %q?", near)
					help = fmt.Sprintf("write %q", near)
				}
				v.report(c, help, "%s", msg)
			}
		}
	},
}

// enumValue is a string to check against an enum, with its array index
// (-1 for a scalar).
type enumValue struct {
	i int
	s string
}

// enumValues returns the strings to check against an enum, in array order;
// nil for a key that is no enum (most are: no room is made for them).
func enumValues(v valueRef) []enumValue {
	switch {
	case v.spec.Kind == configs.KindEnum:
		if s, ok := v.val.(string); ok {
			return []enumValue{{-1, s}}
		}
	case v.spec.Kind == configs.KindArray && v.spec.Elem == configs.KindEnum:
		arr, _ := v.val.([]any)
		var out []enumValue
		for i, el := range arr {
			if s, ok := el.(string); ok {
				out = append(out, enumValue{i, s})
			}
		}
		return out
	}
	return nil
}

// nearestEnum finds the accepted spelling of s: same letters in another
// case, hyphens for underscores (the CLI spellings), or a near typo.
func nearestEnum(s string, enum []string) string {
	norm := func(x string) string { return strings.ToLower(strings.NewReplacer("-", "_", " ", "").Replace(x)) }
	for _, e := range enum {
		if norm(e) == norm(s) {
			return e
		}
	}
	best, bestD := "", 3
	for _, e := range enum {
		if d := levenshtein(norm(s), norm(e)); d < bestD {
			best, bestD = e, d
		}
	}
	return best
}

var ruleInvalidDuration = &Rule{
	Rule: report.Rule{
		ID:       "invalid-duration",
		Severity: report.Error,
		Summary:  "a duration GreptimeDB cannot parse (humantime: a number with a unit; M is months, m minutes)",
		Help:     `write a number with a unit, such as "30s", "500ms", "10m" or "1h 30m"`,
		URL:      "https://docs.rs/humantime/latest/humantime/fn.parse_duration.html",
	},
	Check: func(c *Context) {
		for _, v := range specValues(c) {
			s, ok := v.val.(string)
			if v.spec.Kind != configs.KindDuration || !ok {
				continue
			}
			if _, err := configs.ParseDuration(s); err != nil {
				v.report(c, "", "%s: %v", displayKey(v.key), err)
			} else if strings.Contains(s, "M") && !strings.Contains(s, "month") {
				// Months where minutes were probably meant: "10M" is ten
				// months, a common slip for "10m".
				v.report(c, `write "m" for minutes; "M" is months`, "%s %q is in months (M); minutes are m", displayKey(v.key), s)
			}
		}
	},
}

var ruleInvalidSize = &Rule{
	Rule: report.Rule{
		ID:       "invalid-size",
		Severity: report.Error,
		Summary:  "a size GreptimeDB cannot parse (units are case-sensitive and 1024-based)",
		Help:     `write a number of bytes or a number with B, KB, KiB, MB, MiB, GB, GiB, TB, TiB, PB or PiB, such as "64MB"`,
	},
	Check: func(c *Context) {
		for _, v := range specValues(c) {
			if v.spec.Kind != configs.KindSize || !typeOK(v.spec.Kind, v.val) {
				continue
			}
			if _, err := configs.ParseSize(v.val); err != nil {
				v.report(c, "", "%s: %v", displayKey(v.key), err)
			} else if s, ok := v.val.(string); ok && strings.HasPrefix(strings.TrimSpace(s), "-") {
				v.report(c, "write a positive size", "%s %q is negative; GreptimeDB reads it as 0", displayKey(v.key), s)
			}
		}
	},
}

var ruleInvalidValue = &Rule{
	Rule: report.Rule{
		ID:       "invalid-value",
		Severity: report.Error,
		Summary:  "a memory limit, index threshold or exhaustion policy GreptimeDB cannot parse",
		Help:     "write one of the documented forms",
	},
	Check: func(c *Context) {
		for _, v := range specValues(c) {
			if !typeOK(v.spec.Kind, v.val) {
				continue
			}
			var err error
			help := ""
			switch v.spec.Kind {
			case configs.KindMemoryLimit:
				err = configs.ParseMemoryLimit(v.val)
				help = `write "unlimited", a percentage such as "50%", or a size such as "4GB"`
			case configs.KindIndexMemThreshold:
				err = configs.ParseIndexMemThreshold(v.val)
				help = `write "auto", "unlimited" or a size such as "64MB"`
			case configs.KindExhaustedPolicy:
				err = configs.ParseExhaustedPolicy(v.val.(string))
				help = `write "wait", "wait(30s)" or "fail"`
			default:
				continue
			}
			if err != nil {
				v.report(c, help, "%s: %v", displayKey(v.key), err)
			}
		}
	},
}
