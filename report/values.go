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
// objects, neither holding a pointer. The zero value holds no value.
type Values struct {
	text string
	// ends holds three offsets in text a value: where its key, its value
	// and its origin end.
	ends []uint32
	// mask, when set, is what every value is read through (Masked).
	mask func(Value) Value
}

// Masked returns the values read through mask, after any mask they had:
// the text stays as it is, and At, All and the JSON encoding give only what
// mask makes of each value. Masking every file's values in place made a
// new copy of nearly every one (each upstream example names a secret
// that its other values then repeat), a tenth of what a run allocated.
func (v Values) Masked(mask func(Value) Value) Values {
	if prev := v.mask; prev != nil {
		v.mask = func(x Value) Value { return mask(prev(x)) }
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

// At returns the i-th value; its strings are slices of the one text.
func (v Values) At(i int) Value {
	from := uint32(0)
	if i > 0 {
		from = v.ends[3*i-1]
	}
	k, val, o := v.ends[3*i], v.ends[3*i+1], v.ends[3*i+2]
	out := Value{Key: v.text[from:k], Value: v.text[k:val], Origin: v.text[val:o]}
	if v.mask != nil {
		out = v.mask(out)
	}
	return out
}

// All returns the values as a new slice.
func (v Values) All() []Value {
	out := make([]Value, v.Len())
	for i := range out {
		out[i] = v.At(i)
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
	b.Text(origin)
	b.End()
}

// Values returns what was added, in a text and offsets of their own
// size, and empties the builder for reuse.
func (b *ValuesBuilder) Values() Values {
	v := Values{text: string(b.text)}
	if len(b.ends) > 0 {
		v.ends = append(make([]uint32, 0, len(b.ends)), b.ends...)
	}
	b.text, b.ends = b.text[:0], b.ends[:0]
	return v
}
