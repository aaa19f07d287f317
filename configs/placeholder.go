package configs

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// PlaceholderPattern matches template placeholders in values, the one
// pattern stepstone has for them: __HTTP_ADDR__ (sed-style templates),
// {addrs.grpc_addr} (Python str.format over a dotted name), ${VAR} (shell,
// envsubst) and {{ .Values.x }} (Go templates, Helm). A value holding one
// is filled in before GreptimeDB reads it, so no value rule judges it.
var PlaceholderPattern = regexp.MustCompile(`__[A-Za-z][A-Za-z0-9_]*__|\{[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+\}|\$\{[^{}]*\}|\{\{.*?\}\}`)

// CheckPlaceholderPatterns reports the first pattern that is no regular
// expression.
func CheckPlaceholderPatterns(patterns []string) error {
	for _, p := range patterns {
		if _, err := regexp.Compile(p); err != nil {
			return fmt.Errorf("%q is not a regular expression: %v", p, err)
		}
	}
	return nil
}

var extraPlaceholders sync.Map // pattern -> *regexp.Regexp

// IsPlaceholder reports whether the string value v holds a template
// placeholder: PlaceholderPattern or one of f's --placeholder patterns.
func (f *File) IsPlaceholder(v string) bool {
	// Every form of PlaceholderPattern holds "__" or "{": most values
	// hold neither, and the regular expression is the costly part of
	// every value rule that asks.
	if (strings.Contains(v, "__") || strings.IndexByte(v, '{') >= 0) && PlaceholderPattern.MatchString(v) {
		return true
	}
	for _, p := range f.Placeholders {
		re, ok := extraPlaceholders.Load(p)
		if !ok {
			c, err := regexp.Compile(p)
			if err != nil {
				continue
			}
			re, _ = extraPlaceholders.LoadOrStore(p, c)
		}
		if re.(*regexp.Regexp).MatchString(v) {
			return true
		}
	}
	return false
}

// PlaceholderKeys lists the keys (in file order) whose value is, or is an
// array holding, a template placeholder string.
func (f *File) PlaceholderKeys() []string {
	var out []string
	if f.index == nil {
		return nil
	}
	for _, e := range f.index.Entries() {
		if e.Header || strings.HasSuffix(e.Key, "]") {
			continue // a table, or an element counted with its array
		}
		v, ok := f.EntryValue(e)
		if !ok {
			continue
		}
		if holdsPlaceholder(f, v) {
			out = append(out, e.Key)
		}
	}
	return out
}

// HoldsPlaceholder reports whether the value at key is, or is a list
// holding, a template placeholder.
func (f *File) HoldsPlaceholder(key string) bool {
	v, ok := f.Get(key)
	return ok && holdsPlaceholder(f, v)
}

func holdsPlaceholder(f *File, v any) bool {
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
