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
	upper := v.Masked(func(x Value) Value { x.Value = strings.ToUpper(x.Value); return x }).
		Masked(func(x Value) Value { x.Value = strings.ReplaceAll(x.Value, "X", "***"); return x })
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
