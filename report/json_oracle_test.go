package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// This file keeps the JSON writers as they were before jsonEncoder, on
// encoding/json, as the oracle the tests compare the hand-written encoder
// with: same bytes, or an error from both.

// OracleWriteJSON is WriteJSON as it was.
func OracleWriteJSON(w io.Writer, r *Report) error { return streamJSONReflect(w, r) }

// OracleWriteComponentJSON is WriteComponentJSON as it was.
func OracleWriteComponentJSON(w io.Writer, r *Report) error {
	doc := ToJSON(r)
	if len(doc.Reports) != 1 {
		return writeIndented(w, doc)
	}
	c := doc.Reports[0]
	c.Interrupted = r.Interrupted
	return writeIndented(w, c)
}

// OracleIndent is what encoding/json writes for v at the top level, as
// the single-component report is written.
func OracleIndent(v any) ([]byte, error) {
	var b bytes.Buffer
	err := writeIndented(&b, v)
	return b.Bytes(), err
}

// EncodeComponent and EncodeDetail are the hand-written encoder on one
// value at the top level, to compare with OracleIndent.
func EncodeComponent(c *JSONComponent) ([]byte, error) {
	var e jsonEncoder
	e.component(c, 0)
	return append(e.b, '\n'), e.err
}

func EncodeDetail(d *JSONDetail) ([]byte, error) {
	var e jsonEncoder
	e.detail(d, 0)
	return append(e.b, '\n'), e.err
}

// AppendJSONFloat and AppendJSONString expose the scalar encoders.
func AppendJSONFloat(b []byte, f float64) []byte { return appendJSONFloat(b, f) }

func AppendJSONString(b []byte, s string, escapeHTML bool) []byte {
	return appendJSONString(b, s, escapeHTML)
}

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("could not write JSON report: %w", err)
	}
	return nil
}

// streamJSONReflect is streamJSON as it was.
func streamJSONReflect(w io.Writer, r *Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	elem := func(v any) error {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	}
	scalar := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	fmt.Fprintf(bw, "{\n  \"overall_result\": %s,\n", scalar(r.Verdict()))
	if r.Interrupted {
		bw.WriteString("  \"interrupted\": true,\n")
	}
	bw.WriteString("  \"reports\": [")
	for i := range r.Components {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		if err := elem(componentJSON(r, &r.Components[i])); err != nil {
			return fmt.Errorf("could not write JSON report: %w", err)
		}
	}
	if len(r.Components) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("],\n  \"cluster_findings\": [")
	cf := r.ClusterFindings
	for i, f := range cf {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		if err := elem(findingDetail(f)); err != nil {
			return fmt.Errorf("could not write JSON report: %w", err)
		}
	}
	if len(cf) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]")
	if len(r.Impact) > 0 {
		bw.WriteString(",\n  \"impact\": [")
		for i, cc := range r.Impact {
			if i > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n    ")
			if err := elem(cc); err != nil {
				return fmt.Errorf("could not write JSON report: %w", err)
			}
		}
		bw.WriteString("\n  ]")
	}
	bw.WriteString("\n}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("could not write JSON report: %w", err)
	}
	return nil
}
