package sarif

// A validator for the part of JSON Schema draft-04 that the official SARIF
// 2.1.0 schema uses. No JSON Schema module is in go.mod, and validating
// against the schema file itself beats hand-copying its rules: every
// required list, enum and pattern below comes from testdata.
//
// Supported keywords: $ref (to #/definitions/...), type, enum, required,
// properties, additionalProperties (bool or schema), items, minItems,
// uniqueItems, minimum, maximum, pattern, format (uri, uri-reference,
// date-time), anyOf and oneOf. An unknown keyword fails the test, so a newer
// schema cannot be half-checked without anyone noticing.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// ignoredKeywords annotate a schema without constraining instances.
var ignoredKeywords = map[string]bool{
	"$schema": true, "id": true, "title": true, "description": true, "default": true,
	// definitions are reached through $ref.
	"definitions": true,
}

type schemaValidator struct {
	root map[string]any
	re   map[string]*regexp.Regexp
}

func loadSchema(t *testing.T) *schemaValidator {
	t.Helper()
	b, err := os.ReadFile("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatalf("could not read the SARIF schema: %v", err)
	}
	var root map[string]any
	if err := decodeJSON(b, &root); err != nil {
		t.Fatalf("could not parse the SARIF schema: %v", err)
	}
	return &schemaValidator{root: root, re: map[string]*regexp.Regexp{}}
}

func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// validate returns every violation of schema by inst, each prefixed with a
// JSON-pointer-like path.
func (v *schemaValidator) validate(schema map[string]any, inst any, path string) []string {
	var errs []string
	fail := func(format string, args ...any) {
		errs = append(errs, path+": "+fmt.Sprintf(format, args...))
	}
	// Visit keywords in a fixed order so that messages are stable.
	keys := make([]string, 0, len(schema))
	for k := range schema {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := schema[k]
		switch k {
		case "$ref":
			ref := s.(string)
			name, ok := strings.CutPrefix(ref, "#/definitions/")
			if !ok {
				fail("unsupported $ref %q", ref)
				continue
			}
			def, ok := v.root["definitions"].(map[string]any)[name].(map[string]any)
			if !ok {
				fail("$ref %q not found", ref)
				continue
			}
			errs = append(errs, v.validate(def, inst, path)...)
		case "type":
			var types []string
			switch s := s.(type) {
			case string:
				types = []string{s}
			case []any:
				for _, t := range s {
					types = append(types, t.(string))
				}
			}
			ok := false
			for _, t := range types {
				ok = ok || hasType(inst, t)
			}
			if !ok {
				fail("want type %v, got %s", types, jsonType(inst))
			}
		case "enum":
			ok := false
			for _, e := range s.([]any) {
				ok = ok || reflect.DeepEqual(e, inst)
			}
			if !ok {
				fail("%v is not one of %v", inst, s)
			}
		case "required":
			obj, isObj := inst.(map[string]any)
			if !isObj {
				continue
			}
			for _, r := range s.([]any) {
				if _, ok := obj[r.(string)]; !ok {
					fail("missing required property %q", r)
				}
			}
		case "properties":
			obj, isObj := inst.(map[string]any)
			if !isObj {
				continue
			}
			for name, sub := range s.(map[string]any) {
				if val, ok := obj[name]; ok {
					errs = append(errs, v.validate(sub.(map[string]any), val, path+"/"+name)...)
				}
			}
		case "additionalProperties":
			obj, isObj := inst.(map[string]any)
			if !isObj {
				continue
			}
			props, _ := schema["properties"].(map[string]any)
			for name, val := range obj {
				if _, declared := props[name]; declared {
					continue
				}
				switch s := s.(type) {
				case bool:
					if !s {
						fail("property %q is not allowed", name)
					}
				case map[string]any:
					errs = append(errs, v.validate(s, val, path+"/"+name)...)
				}
			}
		case "items":
			arr, isArr := inst.([]any)
			if !isArr {
				continue
			}
			for i, item := range arr {
				errs = append(errs, v.validate(s.(map[string]any), item, fmt.Sprintf("%s/%d", path, i))...)
			}
		case "minItems":
			if arr, isArr := inst.([]any); isArr && len(arr) < intOf(s) {
				fail("want at least %v items, got %d", s, len(arr))
			}
		case "uniqueItems":
			arr, isArr := inst.([]any)
			if !isArr || s != true {
				continue
			}
			for i := range arr {
				for j := i + 1; j < len(arr); j++ {
					if reflect.DeepEqual(arr[i], arr[j]) {
						fail("items %d and %d are equal", i, j)
					}
				}
			}
		case "minimum", "maximum":
			n, isNum := inst.(json.Number)
			if !isNum {
				continue
			}
			got, _ := new(big.Float).SetString(n.String())
			bound, _ := new(big.Float).SetString(s.(json.Number).String())
			if c := got.Cmp(bound); (k == "minimum" && c < 0) || (k == "maximum" && c > 0) {
				fail("%v is beyond %s %v", n, k, s)
			}
		case "pattern":
			str, isStr := inst.(string)
			if !isStr {
				continue
			}
			re, ok := v.re[s.(string)]
			if !ok {
				re = regexp.MustCompile(s.(string))
				v.re[s.(string)] = re
			}
			if !re.MatchString(str) {
				fail("%q does not match %q", str, s)
			}
		case "format":
			str, isStr := inst.(string)
			if !isStr {
				continue
			}
			if err := checkFormat(s.(string), str); err != nil {
				fail("%q is not a valid %s: %v", str, s, err)
			}
		case "anyOf", "oneOf":
			matched := 0
			for _, sub := range s.([]any) {
				if len(v.validate(sub.(map[string]any), inst, path)) == 0 {
					matched++
				}
			}
			if matched == 0 || (k == "oneOf" && matched > 1) {
				fail("%s matched %d of %d schemas", k, matched, len(s.([]any)))
			}
		default:
			if !ignoredKeywords[k] {
				fail("schema keyword %q is not supported by this validator", k)
			}
		}
	}
	return errs
}

func hasType(inst any, t string) bool {
	switch t {
	case "object":
		_, ok := inst.(map[string]any)
		return ok
	case "array":
		_, ok := inst.([]any)
		return ok
	case "string":
		_, ok := inst.(string)
		return ok
	case "boolean":
		_, ok := inst.(bool)
		return ok
	case "null":
		return inst == nil
	case "number":
		_, ok := inst.(json.Number)
		return ok
	case "integer":
		n, ok := inst.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	}
	return false
}

func jsonType(inst any) string {
	for _, t := range []string{"null", "object", "array", "string", "boolean", "integer", "number"} {
		if hasType(inst, t) {
			return t
		}
	}
	return fmt.Sprintf("%T", inst)
}

func intOf(v any) int {
	n, _ := v.(json.Number).Int64()
	return int(n)
}

func checkFormat(format, s string) error {
	switch format {
	case "uri":
		u, err := url.Parse(s)
		if err != nil {
			return err
		}
		if !u.IsAbs() {
			return fmt.Errorf("not absolute")
		}
	case "uri-reference":
		_, err := url.Parse(s)
		return err
	case "date-time":
		_, err := time.Parse(time.RFC3339Nano, s)
		return err
	default:
		return fmt.Errorf("format %q is not supported by this validator", format)
	}
	return nil
}

// validateSARIF checks b against the official schema.
func validateSARIF(t *testing.T, b []byte) []string {
	t.Helper()
	v := loadSchema(t)
	var inst any
	if err := decodeJSON(b, &inst); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return v.validate(v.root, inst, "")
}

// TestValidatorCatchesErrors makes sure the validator is not vacuous: each
// broken log must be rejected, with the reason named.
func TestValidatorCatchesErrors(t *testing.T) {
	const ok = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[
		{"ruleId":"r","level":"error","message":{"text":"m"},"locations":[{"physicalLocation":
		{"artifactLocation":{"uri":"a.toml","uriBaseId":"%SRCROOT%"},"region":{"startLine":1}}}]}]}]}`
	if errs := validateSARIF(t, []byte(ok)); len(errs) != 0 {
		t.Fatalf("a valid log was rejected: %v", errs)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"wrong version", `"2.1.0"`, `"2.0.0"`, "/version"},
		{"no driver name", `{"name":"x"}`, `{}`, `missing required property "name"`},
		{"bad level", `"level":"error"`, `"level":"fatal"`, "/level"},
		{"no message text", `{"text":"m"}`, `{}`, "/message"},
		{"line zero", `"startLine":1`, `"startLine":0`, "/startLine"},
		{"unknown property", `"ruleId":"r"`, `"ruleId":"r","severity":"high"`, `property "severity" is not allowed`},
		{"no tool", `{"tool":{"driver":{"name":"x"}},`, `{`, `missing required property "tool"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			broken := strings.Replace(ok, tt.old, tt.new, 1)
			errs := validateSARIF(t, []byte(broken))
			if !strings.Contains(strings.Join(errs, "\n"), tt.want) {
				t.Errorf("want an error mentioning %q, got %v", tt.want, errs)
			}
		})
	}
}
