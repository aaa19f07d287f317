package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/stepstone-dev/stepstone/internal/parallel"
)

// streamJSON writes r as WriteJSON's document, byte for byte, one
// component at a time: a run over a thousand files never holds the whole
// document (nor its indented copy) in memory.
func streamJSON(w io.Writer, r *Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	// Elements sit two levels deep: in "reports" (or another list) of the
	// document.
	const depth = 2
	var e jsonEncoder
	flush := func() error {
		if e.err != nil {
			return fmt.Errorf("could not write JSON report: %w", e.err)
		}
		_, err := bw.Write(e.b)
		e.b = e.b[:0]
		return err
	}
	e.b = append(e.b, "{\n  \"overall_result\": "...)
	e.b = appendJSONString(e.b, string(r.Verdict()), true)
	e.b = append(e.b, ",\n"...)
	if r.Interrupted {
		e.b = append(e.b, "  \"interrupted\": true,\n"...)
	}
	e.b = append(e.b, "  \"reports\": ["...)
	// Components are encoded on every core, a window at a time, and
	// written in their order: the writer was the one part of a lint over
	// many files left on one core.
	var window [componentWindow]jsonEncoder
	for lo := 0; lo < len(r.Components); lo += componentWindow {
		part := window[:min(componentWindow, len(r.Components)-lo)]
		encodeComponents(r, r.Components[lo:lo+len(part)], part, depth)
		for k := range part {
			if lo+k > 0 {
				e.b = append(e.b, ',')
			}
			e.newline(depth)
			e.b = append(e.b, part[k].b...)
			if e.err == nil {
				e.err = part[k].err
			}
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(r.Components) > 0 {
		e.newline(depth - 1)
	}
	e.b = append(e.b, "],\n  \"cluster_findings\": ["...)
	// Sorted once, in run/: the writer keeps the order it is given.
	cf := r.ClusterFindings
	for i, f := range cf {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.newline(depth)
		d := findingDetail(f)
		e.detail(&d, depth)
	}
	if len(cf) > 0 {
		e.newline(depth - 1)
	}
	e.b = append(e.b, ']')
	if err := flush(); err != nil {
		return err
	}
	if len(r.Impact) > 0 {
		// Impact comes only with a pull request's run, once: encoding/json
		// is fast enough for it.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("    ", "  ")
		bw.WriteString(",\n  \"impact\": [")
		for i, cc := range r.Impact {
			if i > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n    ")
			buf.Reset()
			if err := enc.Encode(cc); err != nil {
				return fmt.Errorf("could not write JSON report: %w", err)
			}
			bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		}
		bw.WriteString("\n  ]")
	}
	bw.WriteString("\n}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("could not write JSON report: %w", err)
	}
	return nil
}

// componentWindow is how many components are encoded ahead of the writer:
// enough to keep every core busy, few enough to hold little (a datanode's
// component is about 25 KB).
const componentWindow = 64

// encodeComponents encodes each of comps into the encoder of the same
// index in out, at depth, on every core.
func encodeComponents(r *Report, comps []ComponentReport, out []jsonEncoder, depth int) {
	encode := func(k int) {
		e := &out[k]
		e.b, e.err = e.b[:0], nil
		if cap(e.b) == 0 {
			// Sized at first from the effective values, most of the
			// text, and a guess for the rest; the window's buffers then
			// keep their size. Growing from nothing copied each
			// component's text about twice over.
			cs := &comps[k]
			n := 1024 + 1024*(len(cs.Findings)+len(cs.Probes))
			n += 112*cs.Values.Len() + cs.Values.textLen()
			e.b = make([]byte, 0, n)
		}
		c := componentJSON(r, &comps[k])
		e.component(&c, depth)
	}
	parallel.For(context.Background(), len(comps), encode)
}
