package report

import (
	"bytes"
	"encoding/json"
)

// Values is the effective values of one config: every key, shown value and
// origin, one after the other in one text, and where each ends. A run keeps
// every file's values to the end, and as a slice of Value (three strings a
// value, one of them a key string of the file's index) they were most of
// what the collector had to mark over a thousand files; this is two
// objects, neither holding a pointer. An origin at a place in the config
// file itself is kept as posMark and ":line:col", without the file's name
// (a third of the text, for a thousand files of the same names). The zero
// value holds no value.
type Values struct {
	text string
	// ends holds three offsets in text a value: where its key, its value
	// and its origin end.
	ends []uint32
	// file is the name an origin written as posMark stands for.
	file string
	// mask, when set, is what every text is read through (Masked).
	mask func(string) string
}

// posMark starts an origin that is a place in Values.file; an origin the
// builder is given that starts with it (none does: a file name, "default",
// "env X") is kept with the mark doubled.
const posMark = '\x00'

// Masked returns the values read through mask, after any mask they had:
// the text stays as it is, and At, All and the JSON encoding give only what
// mask makes of each key, value and origin. An origin at a place in the
// file is the masked file name and the line and column as they are.
// Masking every file's values in place made a new copy of nearly every one
// (each upstream example names a secret that its other values then
// repeat), a tenth of what a run allocated.
func (v Values) Masked(mask func(string) string) Values {
	if prev := v.mask; prev != nil {
		v.mask = func(s string) string { return mask(prev(s)) }
	} else {
		v.mask = mask
	}
	return v
}

// NewValues returns vs as Values.
func NewValues(vs []Value) Values {
	var b ValuesBuilder
	for _, v := range vs {
		b.Add(v.Key, v.Value, v.Origin)
	}
	return b.Values()
}

// Len is the number of values.
func (v Values) Len() int { return len(v.ends) / 3 }

// IsZero reports whether there is no value (encoding/json's omitzero).
func (v Values) IsZero() bool { return len(v.ends) == 0 }

// At returns the i-th value.
func (v Values) At(i int) Value {
	r := v.reader()
	return r.value(i)
}

// valuesReader reads values through their mask, the file's masked name
// worked out once.
type valuesReader struct {
	v    Values
	file string
}

func (v Values) reader() valuesReader {
	r := valuesReader{v: v, file: v.file}
	if v.mask != nil && r.file != "" {
		r.file = v.mask(r.file)
	}
	return r
}

// at returns the i-th value's key and value, and its origin in two parts:
// the (masked) file name and ":line:col" for a place in the file, else
// the whole origin and "".
func (r *valuesReader) at(i int) (key, value, origin, at string) {
	v := &r.v
	from := uint32(0)
	if i > 0 {
		from = v.ends[3*i-1]
	}
	k, val, o := v.ends[3*i], v.ends[3*i+1], v.ends[3*i+2]
	key, value, origin = v.text[from:k], v.text[k:val], v.text[val:o]
	inFile := origin != "" && origin[0] == posMark
	if inFile && len(origin) > 1 && origin[1] == posMark {
		// A text the builder was given that starts as a mark.
		origin, inFile = origin[1:], false
	}
	if v.mask != nil {
		key, value = v.mask(key), v.mask(value)
		if !inFile {
			origin = v.mask(origin)
		}
	}
	if inFile {
		return key, value, r.file, origin[1:]
	}
	return key, value, origin, ""
}

// value is the i-th value with its origin whole.
func (r *valuesReader) value(i int) Value {
	key, val, origin, at := r.at(i)
	return Value{Key: key, Value: val, Origin: origin + at}
}

// All returns the values as a new slice.
func (v Values) All() []Value {
	out := make([]Value, v.Len())
	r := v.reader()
	for i := range out {
		out[i] = r.value(i)
	}
	return out
}

// textLen is the length of all the values' text.
func (v Values) textLen() int { return len(v.text) }

// MarshalJSON writes the values as the list of Value they stand for, with
// <, > and & as they are, as the report's encoder writes them.
func (v Values) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v.All()); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads a list of Value (a baseline report's).
func (v *Values) UnmarshalJSON(b []byte) error {
	var vs []Value
	if err := json.Unmarshal(b, &vs); err != nil {
		return err
	}
	*v = NewValues(vs)
	return nil
}

// ValuesBuilder gathers values for Values: a key, a shown value and an
// origin each, written straight into the text (Text, then End) or added
// whole (Add). It can be reused after Values.
type ValuesBuilder struct {
	text []byte
	ends []uint32
	file string
}

// SetFile names the config file the values are read from: Position then
// writes an origin in it without the name.
func (b *ValuesBuilder) SetFile(file string) { b.file = file }

// Position writes an origin that is a place in a file, and ends it.
func (b *ValuesBuilder) Position(p Position) {
	if p.File != "" && p.File == b.file && p.Line > 0 {
		b.text = append(b.text, posMark)
		p.File = ""
	}
	b.text = p.Append(b.text)
	b.End()
}

// Text appends to the piece being written.
func (b *ValuesBuilder) Text(s string) { b.text = append(b.text, s...) }

// Buf returns the text written so far, for appending to it in place; give
// it back with SetBuf.
func (b *ValuesBuilder) Buf() []byte { return b.text }

// SetBuf takes back what Buf returned, appended to.
func (b *ValuesBuilder) SetBuf(t []byte) { b.text = t }

// End ends the piece being written: a key, a value and an origin, in turn.
func (b *ValuesBuilder) End() { b.ends = append(b.ends, uint32(len(b.text))) }

// Add adds a whole value.
func (b *ValuesBuilder) Add(key, value, origin string) {
	b.Text(key)
	b.End()
	b.Text(value)
	b.End()
	if origin != "" && origin[0] == posMark {
		// A text that starts as a mark does: the mark doubled.
		b.text = append(b.text, posMark)
	}
	b.Text(origin)
	b.End()
}

// Values returns what was added, in a text and offsets of their own
// size, and empties the builder for reuse.
func (b *ValuesBuilder) Values() Values {
	v := Values{text: string(b.text), file: b.file}
	if len(b.ends) > 0 {
		v.ends = append(make([]uint32, 0, len(b.ends)), b.ends...)
	}
	b.text, b.ends, b.file = b.text[:0], b.ends[:0], ""
	return v
}
