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
	// details is the streaming writer's room for a component's details.
	details []JSONDetail
}

// newline starts a new line at depth levels of indentation, copied from
// indent in one append: two bytes at a time, the indentation was a third
// of the cost of writing the effective values.
func (e *jsonEncoder) newline(depth int) {
	if 1+2*depth <= len(indent) {
		e.b = append(e.b, indent[:1+2*depth]...)
		return
	}
	e.b = append(e.b, indent...)
	for range depth - (len(indent)-1)/2 {
		e.b = append(e.b, ' ', ' ')
	}
}

// indent is a line break and the indentation of 16 levels, deeper than
// the report nests.
const indent = "\n                                "

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

// object is one JSON object being written, member by member.
type object struct {
	e     *jsonEncoder
	depth int // of the opening brace
	first bool
}

// object opens an object whose brace is at depth.
func (e *jsonEncoder) object(depth int) object {
	e.b = append(e.b, '{')
	return object{e: e, depth: depth, first: true}
}

// field starts a member: the value is written next.
func (o *object) field(name string) { o.e.key(&o.first, o.depth+1, name) }

func (o *object) str(name, s string) {
	o.field(name)
	o.e.str(s)
}

func (o *object) int(name string, n int) {
	o.field(name)
	o.e.int(n)
}

// list writes a member that is a non-nil array (see jsonEncoder.list);
// elem writes element i at the depth it is given.
func (o *object) list(name string, n int, elem func(i, depth int)) {
	o.field(name)
	in := o.depth + 1
	o.e.list(n, in, func(i int) { elem(i, in+1) })
}

func (o *object) close() {
	o.e.newline(o.depth)
	o.e.b = append(o.e.b, '}')
}

func (e *jsonEncoder) component(c *JSONComponent, depth int) {
	o := e.object(depth)
	o.str("component", c.Component)
	o.str("config_file", c.ConfigFile)
	o.str("timestamp", c.Timestamp)
	o.str("overall_result", string(c.OverallResult))
	if c.Interrupted {
		o.field("interrupted")
		e.b = append(e.b, "true"...)
	}
	o.int("total_checks", c.TotalChecks)
	o.int("passed_checks", c.PassedChecks)
	o.int("failed_checks", c.FailedChecks)
	o.int("warning_checks", c.WarningChecks)
	o.field("total_duration_ms")
	e.float(c.TotalDurationMS)
	o.str("message", c.Message)
	if c.Details == nil {
		o.field("details")
		e.b = append(e.b, "null"...)
	} else {
		o.list("details", len(c.Details), func(i, d int) { e.detail(&c.Details[i], d) })
	}
	if vs := c.EffectiveValues; vs.Len() > 0 {
		r := vs.reader()
		o.list("effective_values", vs.Len(), func(i, d int) {
			key, value, origin, at := r.at(i)
			e.value(key, value, origin, at, d)
		})
	}
	if v := c.GreptimeDBVersion; v != nil {
		o.str("greptimedb_version", v.Version)
		o.str("greptimedb_version_source", v.Source)
		if v.Note != "" {
			o.str("greptimedb_version_note", v.Note)
		}
	}
	o.close()
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
	o := e.object(depth)
	o.str("name", d.Name)
	o.str("status", string(d.Status))
	o.str("message", d.Message)
	o.field("duration_ms")
	e.float(d.DurationMS)
	for _, f := range [...]struct{ name, v string }{
		{"suggestion", d.Suggestion}, {"rule", d.Rule}, {"severity", d.Severity}, {"class", d.Class}, {"key", d.Key},
	} {
		if f.v != "" {
			o.str(f.name, f.v)
		}
	}
	if d.Location != nil {
		o.field("location")
		e.position(d.Location, depth+1)
	}
	if len(d.Metrics) > 0 {
		o.list("metrics", len(d.Metrics), func(i, dd int) { e.metric(&d.Metrics[i], dd) })
	}
	if d.Fix != nil {
		o.field("fix")
		e.fix(d.Fix, depth+1)
	}
	if len(d.Related) > 0 {
		o.list("related", len(d.Related), func(i, dd int) { e.related(&d.Related[i], dd) })
	}
	o.close()
}

func (e *jsonEncoder) position(p *Position, depth int) {
	o := e.object(depth)
	o.positionFields(p)
	o.close()
}

func (o *object) positionFields(p *Position) {
	o.str("file", p.File)
	o.int("line", p.Line)
	o.int("column", p.Col)
}

func (e *jsonEncoder) related(r *Related, depth int) {
	o := e.object(depth)
	o.positionFields(&r.Position)
	if r.Key != "" {
		o.str("key", r.Key)
	}
	o.str("message", r.Message)
	o.close()
}

func (e *jsonEncoder) fix(f *Fix, depth int) {
	o := e.object(depth)
	o.str("description", f.Description)
	if f.Edits == nil {
		o.field("edits")
		e.b = append(e.b, "null"...)
	} else {
		o.list("edits", len(f.Edits), func(i, d int) { e.edit(&f.Edits[i], d) })
	}
	o.close()
}

func (e *jsonEncoder) edit(ed *FixEdit, depth int) {
	o := e.object(depth)
	o.field("range")
	r := e.object(depth + 1)
	r.field("start")
	e.position(&ed.Range.Start, depth+2)
	r.field("end")
	e.position(&ed.Range.End, depth+2)
	r.int("start_offset", ed.Range.StartOffset)
	r.int("end_offset", ed.Range.EndOffset)
	r.close()
	o.str("replacement", ed.Replacement)
	o.close()
}

// value writes a Value whose origin is origin followed by at (a line and
// column, which need no escaping: see Values).
func (e *jsonEncoder) value(key, value, origin, at string, depth int) {
	// A thousand files hold a hundred thousand of these: the text between
	// the strings is written in one append each, as object and key would
	// write it.
	p := valuePrefixes(depth)
	e.b = append(e.b, p.key...)
	e.str(key)
	e.b = append(e.b, p.value...)
	e.str(value)
	e.b = append(e.b, p.origin...)
	e.str(origin)
	if at != "" {
		e.b = append(e.b[:len(e.b)-1], at...)
		e.b = append(e.b, '"')
	}
	e.b = append(e.b, p.close...)
}

// valueText is what a Value object holds besides its three strings, at one
// depth.
type valueText struct{ key, value, origin, close string }

// valueTexts are valueText at the depths the report writes values at.
var valueTexts [8]valueText

func init() {
	for d := range valueTexts {
		valueTexts[d] = makeValueText(d)
	}
}

func makeValueText(depth int) valueText {
	var e jsonEncoder
	o := e.object(depth)
	o.field("key")
	t := valueText{key: string(e.b)}
	e.b = e.b[:0]
	e.b = append(e.b, ',')
	e.newline(depth + 1)
	e.b = append(e.b, `"value": `...)
	t.value = string(e.b)
	e.b = e.b[:0]
	e.b = append(e.b, ',')
	e.newline(depth + 1)
	e.b = append(e.b, `"origin": `...)
	t.origin = string(e.b)
	e.b = e.b[:0]
	o.close()
	t.close = string(e.b)
	return t
}

func valuePrefixes(depth int) *valueText {
	if depth < len(valueTexts) {
		return &valueTexts[depth]
	}
	t := makeValueText(depth)
	return &t
}

// metric writes what Metric.MarshalJSON does. That method marshals with
// json.Marshal, which escapes <, > and & even though the report does not,
// and the encoder keeps a marshaler's bytes as they are: so here too.
func (e *jsonEncoder) metric(m *Metric, depth int) {
	o := e.object(depth)
	o.field("name")
	e.b = appendJSONString(e.b, m.Name, true)
	o.field("value")
	if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
		e.b = append(e.b, "null"...)
	} else {
		e.b = appendJSONFloat(e.b, m.Value)
	}
	o.field("unit")
	e.b = appendJSONString(e.b, m.Unit, true)
	o.close()
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

// jsonSafe marks the bytes a JSON string holds as they are: printable
// ASCII but the quote and the backslash (and, in jsonSafeHTML, <, > and
// &). One lookup a byte: the report is mostly such text.
var jsonSafe, jsonSafeHTML = func() (plain, html [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return
}()

// Word-at-a-time byte tests (the "has zero byte" family of bit hacks):
// each is non-zero exactly when some byte of the word matches.
const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// wordAt reads s[i:i+8] as a little-endian word; the compiler makes it one
// load.
func wordAt(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// plainWord reports whether every byte of w is in jsonSafe: no control
// byte (below 0x20), no byte of a multi-byte rune (0x80 and up), no quote
// and no backslash.
func plainWord(w uint64) bool {
	hasZero := func(v uint64) uint64 { return (v - lowBits) &^ v & highBits }
	control := (w - 0x20*lowBits) &^ w & highBits
	return control|hasZero(w^('"'*lowBits))|hasZero(w^('\\'*lowBits))|w&highBits == 0
}

// plainString reports whether every byte of s is in jsonSafe: a word at a
// time, the last eight bytes as one (overlapping) word, and a string
// shorter than a word byte by byte.
func plainString(s string) bool {
	if len(s) < 8 {
		for i := 0; i < len(s); i++ {
			if !jsonSafe[s[i]] {
				return false
			}
		}
		return true
	}
	for i := 0; i+8 <= len(s); i += 8 {
		if !plainWord(wordAt(s, i)) {
			return false
		}
	}
	return plainWord(wordAt(s, len(s)-8))
}

// appendJSONString quotes s as encoding/json does: invalid UTF-8 becomes
// U+FFFD, control characters, quotes and backslashes are escaped, and so
// are U+2028 and U+2029 (they end lines in JavaScript); <, > and & only
// when escapeHTML is set.
func appendJSONString(b []byte, s string, escapeHTML bool) []byte {
	if !escapeHTML && plainString(s) {
		// Most of the report: copied whole between its quotes.
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	b = append(b, '"')
	safe := &jsonSafe
	if escapeHTML {
		safe = &jsonSafeHTML
	}
	start, i := 0, 0
	for i < len(s) {
		// Eight bytes at a time while they are all plain printable ASCII:
		// the report is mostly such text (paths, keys, values), and one
		// word test costs what two byte lookups did.
		if !escapeHTML {
			for i+8 <= len(s) && plainWord(wordAt(s, i)) {
				i += 8
			}
		}
		// Then byte by byte, in a tight loop, up to a word's length: the
		// short strings (values, keys) and the ends of the long ones.
		end := min(i+8, len(s))
		for i < end && safe[s[i]] {
			i++
		}
		if i == end {
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
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
