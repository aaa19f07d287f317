package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestValues(t *testing.T) {
	vs := []Value{{Key: "a.b", Value: `"x<y>&"`, Origin: "f.toml:1:1"}, {Key: "", Value: "", Origin: ""}, {Key: "c", Value: "7", Origin: "default"}}
	v := NewValues(vs)
	if v.Len() != 3 || v.IsZero() || !reflect.DeepEqual(v.All(), vs) {
		t.Fatalf("NewValues(%v) holds %v", vs, v.All())
	}
	// The builder is reused: what it gave away stays as it was.
	var vb ValuesBuilder
	vb.Add("first", "1", "env X")
	first := vb.Values()
	vb.Add("second", "2", "default")
	if got := first.All(); !reflect.DeepEqual(got, []Value{{Key: "first", Value: "1", Origin: "env X"}}) {
		t.Fatalf("a reused builder changed what it gave: %v", got)
	}
	// Masked: every reader sees the values through the masks, in turn.
	upper := v.Masked(strings.ToUpper).Masked(func(x string) string { return strings.ReplaceAll(x, "X", "***") })
	if got := upper.At(0).Value; got != `"***<Y>&"` {
		t.Fatalf("masked value %q", got)
	}
	if got := upper.All()[0].Value; got != `"***<Y>&"` {
		t.Fatalf("masked All %q", got)
	}
	if got, _ := json.Marshal(upper); !bytes.Contains(got, []byte(`***`)) || bytes.Contains(got, []byte(`x`)) {
		t.Fatalf("masked JSON %s", got)
	}
	if v.At(0).Value != `"x<y>&"` {
		t.Fatal("Masked changed the values it was given")
	}
	if got := upper.At(2); got != (Value{Key: "C", Value: "7", Origin: "DEFAULT"}) {
		t.Fatalf("masked key and origin: %+v", got)
	}
	// As JSON, written as the report is (no HTML escapes): the list of
	// values, with <, > and & as they are; and back.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		V Values `json:"v,omitzero"`
		Z Values `json:"z,omitzero"`
	}{V: v}); err != nil {
		t.Fatal(err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if want := `{"v":[{"key":"a.b","value":"\"x<y>&\"","origin":"f.toml:1:1"},{"key":"","value":"","origin":""},{"key":"c","value":"7","origin":"default"}]}`; string(b) != want {
		t.Fatalf("JSON %s, want %s", b, want)
	}
	var back struct{ V Values }
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back.V.All(), vs) {
		t.Fatalf("read back %v (%v), want %v", back.V.All(), err, vs)
	}
	if !NewValues(nil).IsZero() || NewValues(nil).Len() != 0 {
		t.Fatal("no values are not the zero Values")
	}
}

// An origin at a place in the builder's file is kept without the file's
// name and read back whole; masked, the name is masked and the line and
// column are not. Any other origin, one that starts as the mark does
// included, reads back as it was given.
func TestValuesPositions(t *testing.T) {
	var b ValuesBuilder
	b.SetFile("dir/a.toml")
	b.Text("k")
	b.End()
	b.Text("1")
	b.End()
	b.Position(Position{File: "dir/a.toml", Line: 3, Col: 7})
	b.Text("j")
	b.End()
	b.Text("2")
	b.End()
	b.Position(Position{File: "other.toml", Line: 4, Col: 1})
	b.Add("m", "3", "\x00odd")
	b.Add("n", "4", "dir/a.toml:5:1")
	v := b.Values()
	want := []Value{{"k", "1", "dir/a.toml:3:7"}, {"j", "2", "other.toml:4:1"}, {"m", "3", "\x00odd"}, {"n", "4", "dir/a.toml:5:1"}}
	if got := v.All(); !reflect.DeepEqual(got, want) {
		t.Fatalf("values %q, want %q", got, want)
	}
	if strings.Count(v.text, "dir/a.toml") != 1 {
		t.Fatalf("the file's name is written %d times in %q, want once (the origin given whole)", strings.Count(v.text, "dir/a.toml"), v.text)
	}
	masked := v.Masked(func(s string) string { return strings.NewReplacer("a.toml", "***", "3", "*", "o", "0").Replace(s) })
	wantMasked := []Value{{"k", "1", "dir/***:3:7"}, {"j", "2", "0ther.t0ml:4:1"}, {"m", "*", "\x000dd"}, {"n", "4", "dir/***:5:1"}}
	if got := masked.All(); !reflect.DeepEqual(got, wantMasked) {
		t.Fatalf("masked %q, want %q", got, wantMasked)
	}
	for i := range want {
		if got := masked.At(i); got != wantMasked[i] {
			t.Fatalf("masked At(%d) = %q, want %q", i, got, wantMasked[i])
		}
	}
}
