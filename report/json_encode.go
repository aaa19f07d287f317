package report

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// jsonEncoder appends the JSON report's types already indented, two spaces
// a level, exactly as encoding/json's Encoder with SetIndent and
// SetEscapeHTML(false) writes them. Going through encoding/json marshals
// every value by reflection and then re-reads the whole text to indent it,
// which on a thousand-file lint was a tenth of the run. The old path is
// kept in json_oracle_test.go and the tests compare both byte for byte.
type jsonEncoder struct {
	b   []byte
	err error
}

// newline starts a new line at depth levels of indentation.
func (e *jsonEncoder) newline(depth int) {
	e.b = append(e.b, '\n')
	for range depth {
		e.b = append(e.b, ' ', ' ')
	}
}

// key writes the separator before a member (none before the first), the
// line break, and the member's name. Names are the fixed tags below, which
// need no escaping.
func (e *jsonEncoder) key(first *bool, depth int, name string) {
	if !*first {
		e.b = append(e.b, ',')
	}
	*first = false
	e.newline(depth)
	e.b = append(e.b, '"')
	e.b = append(e.b, name...)
	e.b = append(e.b, '"', ':', ' ')
}

func (e *jsonEncoder) str(s string) { e.b = appendJSONString(e.b, s, false) }

func (e *jsonEncoder) int(n int) { e.b = strconv.AppendInt(e.b, int64(n), 10) }

func (e *jsonEncoder) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		// encoding/json refuses these too; the error reads the same.
		if e.err == nil {
			e.err = &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)}
		}
		e.b = append(e.b, "null"...)
		return
	}
	e.b = appendJSONFloat(e.b, f)
}

func (e *jsonEncoder) component(c *JSONComponent, depth int) {
	e.b = append(e.b, '{')
	first := true
	in := depth + 1
	e.key(&first, in, "component")
	e.str(c.Component)
	e.key(&first, in, "config_file")
	e.str(c.ConfigFile)
	e.key(&first, in, "timestamp")
	e.str(c.Timestamp)
	e.key(&first, in, "overall_result")
	e.str(string(c.OverallResult))
	if c.Interrupted {
		e.key(&first, in, "interrupted")
		e.b = append(e.b, "true"...)
	}
	e.key(&first, in, "total_checks")
	e.int(c.TotalChecks)
	e.key(&first, in, "passed_checks")
	e.int(c.PassedChecks)
	e.key(&first, in, "failed_checks")
	e.int(c.FailedChecks)
	e.key(&first, in, "warning_checks")
	e.int(c.WarningChecks)
	e.key(&first, in, "total_duration_ms")
	e.float(c.TotalDurationMS)
	e.key(&first, in, "message")
	e.str(c.Message)
	e.key(&first, in, "details")
	if c.Details == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.list(len(c.Details), in, func(i int) { e.detail(&c.Details[i], in+1) })
	}
	if len(c.EffectiveValues) > 0 {
		e.key(&first, in, "effective_values")
		e.list(len(c.EffectiveValues), in, func(i int) { e.value(&c.EffectiveValues[i], in+1) })
	}
	if v := c.GreptimeDBVersion; v != nil {
		e.key(&first, in, "greptimedb_version")
		e.str(v.Version)
		e.key(&first, in, "greptimedb_version_source")
		e.str(v.Source)
		if v.Note != "" {
			e.key(&first, in, "greptimedb_version_note")
			e.str(v.Note)
		}
	}
	e.newline(depth)
	e.b = append(e.b, '}')
}

// list writes a non-nil array of n elements whose opening bracket is at
// depth; elem writes element i one level deeper. Empty is "[]", as
// encoding/json's indenter leaves it.
func (e *jsonEncoder) list(n, depth int, elem func(i int)) {
	e.b = append(e.b, '[')
	if n == 0 {
		e.b = append(e.b, ']')
		return
	}
	for i := range n {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.newline(depth + 1)
		elem(i)
	}
	e.newline(depth)
	e.b = append(e.b, ']')
}

func (e *jsonEncoder) detail(d *JSONDetail, depth int) {
	e.b = append(e.b, '{')
	first := true
	in := depth + 1
	e.key(&first, in, "name")
	e.str(d.Name)
	e.key(&first, in, "status")
	e.str(string(d.Status))
	e.key(&first, in, "message")
	e.str(d.Message)
	e.key(&first, in, "duration_ms")
	e.float(d.DurationMS)
	for _, f := range [...]struct{ name, v string }{
		{"suggestion", d.Suggestion}, {"rule", d.Rule}, {"severity", d.Severity}, {"class", d.Class}, {"key", d.Key},
	} {
		if f.v != "" {
			e.key(&first, in, f.name)
			e.str(f.v)
		}
	}
	if d.Location != nil {
		e.key(&first, in, "location")
		e.position(d.Location, in)
	}
	if len(d.Metrics) > 0 {
		e.key(&first, in, "metrics")
		e.list(len(d.Metrics), in, func(i int) { e.metric(&d.Metrics[i], in+1) })
	}
	if d.Fix != nil {
		e.key(&first, in, "fix")
		e.fix(d.Fix, in)
	}
	if len(d.Related) > 0 {
		e.key(&first, in, "related")
		e.list(len(d.Related), in, func(i int) { e.related(&d.Related[i], in+1) })
	}
	e.newline(depth)
	e.b = append(e.b, '}')
}

func (e *jsonEncoder) position(p *Position, depth int) {
	e.b = append(e.b, '{')
	first := true
	e.positionFields(&first, p, depth+1)
	e.newline(depth)
	e.b = append(e.b, '}')
}

func (e *jsonEncoder) positionFields(first *bool, p *Position, in int) {
	e.key(first, in, "file")
	e.str(p.File)
	e.key(first, in, "line")
	e.int(p.Line)
	e.key(first, in, "column")
	e.int(p.Col)
}

func (e *jsonEncoder) related(r *Related, depth int) {
	e.b = append(e.b, '{')
	first := true
	in := depth + 1
	e.positionFields(&first, &r.Position, in)
	if r.Key != "" {
		e.key(&first, in, "key")
		e.str(r.Key)
	}
	e.key(&first, in, "message")
	e.str(r.Message)
	e.newline(depth)
	e.b = append(e.b, '}')
}

func (e *jsonEncoder) fix(f *Fix, depth int) {
	e.b = append(e.b, '{')
	first := true
	in := depth + 1
	e.key(&first, in, "description")
	e.str(f.Description)
	e.key(&first, in, "edits")
	if f.Edits == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.list(len(f.Edits), in, func(i int) { e.edit(&f.Edits[i], in+1) })
	}
	e.newline(depth)
	e.b = append(e.b, '}')
}

func (e *jsonEncoder) edit(ed *FixEdit, depth int) {
	e.b = append(e.b, '{')
	first := true
	in := depth + 1
	e.key(&first, in, "range")
	{
		e.b = append(e.b, '{')
		rfirst := true
		rin := in + 1
		e.key(&rfirst, rin, "start")
		e.position(&ed.Range.Start, rin)
		e.key(&rfirst, rin, "end")
		e.position(&ed.Range.End, rin)
		e.key(&rfirst, rin, "start_offset")
		e.int(ed.Range.StartOffset)
		e.key(&rfirst, rin, "end_offset")
		e.int(ed.Range.EndOffset)
		e.newline(in)
		e.b = append(e.b, '}')
	}
	e.key(&first, in, "replacement")
	e.str(ed.Replacement)
	e.newline(depth)
	e.b = append(e.b, '}')
}

func (e *jsonEncoder) value(v *Value, depth int) {
	e.b = append(e.b, '{')
	first := true
	in := depth + 1
	e.key(&first, in, "key")
	e.str(v.Key)
	e.key(&first, in, "value")
	e.str(v.Value)
	e.key(&first, in, "origin")
	e.str(v.Origin)
	e.newline(depth)
	e.b = append(e.b, '}')
}

// metric writes what Metric.MarshalJSON does. That method marshals with
// json.Marshal, which escapes <, > and & even though the report does not,
// and the encoder keeps a marshaler's bytes as they are: so here too.
func (e *jsonEncoder) metric(m *Metric, depth int) {
	e.b = append(e.b, '{')
	first := true
	in := depth + 1
	e.key(&first, in, "name")
	e.b = appendJSONString(e.b, m.Name, true)
	e.key(&first, in, "value")
	if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
		e.b = append(e.b, "null"...)
	} else {
		e.b = appendJSONFloat(e.b, m.Value)
	}
	e.key(&first, in, "unit")
	e.b = appendJSONString(e.b, m.Unit, true)
	e.newline(depth)
	e.b = append(e.b, '}')
}

// appendJSONFloat formats a finite float as encoding/json does: like
// ECMAScript, plain digits between 1e-6 and 1e21, otherwise an exponent
// without leading zeros.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 becomes e-7.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const jsonHex = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does: invalid UTF-8 becomes
// U+FFFD, control characters, quotes and backslashes are escaped, and so
// are U+2028 and U+2029 (they end lines in JavaScript); <, > and & only
// when escapeHTML is set.
func appendJSONString(b []byte, s string, escapeHTML bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!escapeHTML || (c != '<' && c != '>' && c != '&')) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
