package report_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

// sameJSON writes r with the hand-written encoder and with the
// encoding/json oracle, as a whole run and as one component's report, and
// fails on any byte of difference.
func sameJSON(t testing.TB, name string, r *report.Report) {
	t.Helper()
	for _, w := range []struct {
		kind        string
		got, oracle func(*bytes.Buffer, *report.Report) error
	}{
		{"WriteJSON",
			func(b *bytes.Buffer, r *report.Report) error { return report.WriteJSON(b, r) },
			func(b *bytes.Buffer, r *report.Report) error { return report.OracleWriteJSON(b, r) }},
		{"WriteComponentJSON",
			func(b *bytes.Buffer, r *report.Report) error { return report.WriteComponentJSON(b, r) },
			func(b *bytes.Buffer, r *report.Report) error { return report.OracleWriteComponentJSON(b, r) }},
	} {
		var got, want bytes.Buffer
		gerr, werr := w.got(&got, r), w.oracle(&want, r)
		if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
			t.Fatalf("%s %s: error %v, encoding/json's %v", name, w.kind, gerr, werr)
		}
		if gerr == nil && !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("%s %s differs from encoding/json's:\n%s", name, w.kind, diffAt(got.Bytes(), want.Bytes()))
		}
	}
}

// diffAt shows where two outputs part.
func diffAt(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-200)
	return "at byte " + strconv.Itoa(i) + ":\ngot:  ..." + string(got[lo:min(len(got), i+80)]) + "\nwant: ..." + string(want[lo:min(len(want), i+80)])
}

// The golden reports: the shared sample, its benchmark variant, and each
// as an interrupted run and as a one-component report.
func TestJSONEncoderGolden(t *testing.T) {
	for name, mk := range map[string]func() *report.Report{"sample": sample.Report, "bench": benchReport} {
		r := mk()
		sameJSON(t, name, r)
		r.Interrupted = true
		sameJSON(t, name+" interrupted", r)
		for i := range r.Components {
			one := *r
			one.Components = r.Components[i : i+1]
			sameJSON(t, name+" one component", &one)
		}
		r.Components[0].Values = report.NewValues([]report.Value{{Key: "a.b", Value: "<x> & \"y\"", Origin: "default"}})
		r.Components[0].GreptimeDB = &report.GreptimeDBVersion{Version: "v1.1.4", Source: "default"}
		r.Components[1].GreptimeDB = &report.GreptimeDBVersion{Version: "main", Source: "--greptimedb-version", Note: "no such release"}
		r.Components[1].Findings[0].Fix = &report.Fix{Description: "rename", Edits: []report.FixEdit{{Replacement: "x\ty"}}}
		sameJSON(t, name+" with values", r)
	}
}

// Floats as encoding/json writes them: plain between 1e-6 and 1e21, an
// exponent without leading zeros outside.
func TestJSONFloat(t *testing.T) {
	for _, f := range hostileFloats {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := report.AppendJSONFloat(nil, f); !bytes.Equal(got, want) {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		want, _ := json.Marshal(f)
		if got := report.AppendJSONFloat(nil, f); !bytes.Equal(got, want) {
			t.Fatalf("%v: got %s, want %s", f, got, want)
		}
	}
}

// Strings as encoding/json writes them, with and without HTML escaping.
func TestJSONString(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	strs := append([]string(nil), hostileStrings...)
	for range 20000 {
		strs = append(strs, randomString(rng))
	}
	for _, s := range strs {
		checkJSONString(t, s)
	}
}

// Every byte value at every place of strings long enough for the
// word-at-a-time path (and its tail), alone and next to a multi-byte rune
// or a line separator: the word test must send each one to the byte loop
// exactly when encoding/json escapes or checks it.
func TestJSONStringEveryByteInWords(t *testing.T) {
	base := "abcdefghijklmnopqrstuvwxyz0123"
	for c := 0; c < 256; c++ {
		for at := 0; at < len(base); at++ {
			b := []byte(base)
			b[at] = byte(c)
			checkJSONString(t, string(b))
			checkJSONString(t, string(b[:at+1])+"é\u2028"+string(b[at+1:]))
		}
	}
}

func checkJSONString(t testing.TB, s string) {
	t.Helper()
	html, _ := json.Marshal(s)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	plain := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	if got := report.AppendJSONString(nil, s, true); !bytes.Equal(got, html) {
		t.Fatalf("%q escaping HTML: got %s, want %s", s, got, html)
	}
	if got := report.AppendJSONString(nil, s, false); !bytes.Equal(got, plain) {
		t.Fatalf("%q: got %s, want %s", s, got, plain)
	}
}

// Thousands of generated reports with hostile strings, odd floats, nil
// and empty lists and every optional field on and off.
func TestJSONEncoderGenerated(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range n {
		sameJSON(t, "generated", randomReport(rng, nil, 0))
	}
}

// TestJSONEncoderManyComponents: reports of hundreds of components are
// encoded a window of them at a time on every core and must still come out
// in order, byte for byte.
func TestJSONEncoderManyComponents(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, want := range []int{63, 64, 65, 200, 1000} {
		r := randomReport(rng, nil, 0)
		for len(r.Components) < want {
			r.Components = append(r.Components, randomReport(rng, nil, 0).Components...)
		}
		r.Components = r.Components[:want]
		sameJSON(t, "many components", r)
	}
}

// The encoder on single values the reports never hold: nil details or
// edits, NaN durations (an error, as from encoding/json).
func TestJSONEncoderValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		c := randomComponent(rng, nil)
		got, gerr := report.EncodeComponent(&c)
		want, werr := report.OracleIndent(c)
		compareValue(t, "component", got, want, gerr, werr)
		for i := range c.Details {
			got, gerr := report.EncodeDetail(&c.Details[i])
			want, werr := report.OracleIndent(c.Details[i])
			compareValue(t, "detail", got, want, gerr, werr)
		}
	}
}

func compareValue(t testing.TB, kind string, got, want []byte, gerr, werr error) {
	t.Helper()
	if (gerr == nil) != (werr == nil) {
		t.Fatalf("%s: error %v, encoding/json's %v", kind, gerr, werr)
	}
	if werr != nil {
		if !strings.HasSuffix(werr.Error(), gerr.Error()) {
			t.Fatalf("%s: error %q, encoding/json's %q", kind, gerr, werr)
		}
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from encoding/json's:\n%s", kind, diffAt(got, want))
	}
}

// FuzzJSONEncoder compares the encoder with encoding/json on reports built
// from a seed, with the fuzzed string and float placed in every field.
func FuzzJSONEncoder(f *testing.F) {
	for i, s := range hostileStrings {
		f.Add(uint64(i), s, hostileFloats[i%len(hostileFloats)])
	}
	f.Fuzz(func(t *testing.T, seed uint64, s string, x float64) {
		checkJSONString(t, s)
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			want, _ := json.Marshal(x)
			if got := report.AppendJSONFloat(nil, x); !bytes.Equal(got, want) {
				t.Fatalf("%v: got %s, want %s", x, got, want)
			}
		}
		rng := rand.New(rand.NewPCG(seed, 9))
		fz := &fuzzed{s: s, f: x}
		sameJSON(t, "fuzzed", randomReport(rng, fz, time.Duration(math.Float64bits(x))))
		c := randomComponent(rng, fz)
		got, gerr := report.EncodeComponent(&c)
		want, werr := report.OracleIndent(c)
		compareValue(t, "component", got, want, gerr, werr)
	})
}

var hostileStrings = []string{
	"", "a", "<b> & \"c\"", "\u2028\u2029", "a\u2028b\u2029c", `"`, `\`, `\\"\"`,
	"\x00\x01\x07\x08\x0b\x0c\x0e\x1f\x7f", "\b\f\n\r\t", "\xff", "\xfe\xff", "a\xc3", "\xc3(", "\xed\xa0\x80",
	"\xf4\x90\x80\x80", "é€𝄞", "\ufffd", "\uFEFF", "</script>", "PASS", "key = \"v\"\n# c", strings.Repeat("x", 300),
}

var hostileFloats = []float64{
	0, math.Copysign(0, -1), 0.5, 1e-7, -1e-7, 123456789.123, 1e-6, 9.999999e-7, 1e20, 1e21, -1e21, 999999999999999999999.0,
	1e-100, 1.5e300, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1 + 0.2, 1.0 / 3, 42, -3.25, 1612, 0.001, 0.0009,
	math.NaN(), math.Inf(1), math.Inf(-1),
}

// fuzzed is a fuzzer's string and float, which the generator uses in
// place of one of its own now and then.
type fuzzed struct {
	s string
	f float64
}

func randomString(rng *rand.Rand) string {
	switch rng.IntN(4) {
	case 0:
		return hostileStrings[rng.IntN(len(hostileStrings))]
	case 1:
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return string(b)
	case 2:
		var sb strings.Builder
		for range rng.IntN(6) {
			sb.WriteString(hostileStrings[rng.IntN(len(hostileStrings))])
			sb.WriteByte(byte(rng.UintN(128)))
		}
		return sb.String()
	}
	return "plain-" + string(rune('a'+rng.IntN(26)))
}

func pickString(rng *rand.Rand, fz *fuzzed) string {
	if fz != nil && rng.IntN(3) == 0 {
		return fz.s
	}
	return randomString(rng)
}

func pickFloat(rng *rand.Rand, fz *fuzzed) float64 {
	switch {
	case fz != nil && rng.IntN(3) == 0:
		return fz.f
	case rng.IntN(2) == 0:
		return hostileFloats[rng.IntN(len(hostileFloats))]
	}
	return math.Float64frombits(rng.Uint64())
}

func pickDuration(rng *rand.Rand, extra time.Duration) time.Duration {
	switch rng.IntN(5) {
	case 0:
		return 0
	case 1:
		return extra
	case 2:
		return time.Duration(rng.Int64())
	case 3:
		return -time.Duration(rng.IntN(1e9))
	}
	return time.Duration(rng.IntN(10e9))
}

func randomPos(rng *rand.Rand, fz *fuzzed) report.Position {
	p := report.Position{File: pickString(rng, fz), Line: rng.IntN(2000) - 2, Col: rng.IntN(200) - 2}
	if rng.IntN(10) == 0 {
		p.Line = int(rng.Int64()) * (1 - 2*rng.IntN(2))
	}
	return p
}

func randomFix(rng *rand.Rand, fz *fuzzed) *report.Fix {
	switch rng.IntN(4) {
	case 0, 1:
		return nil
	case 2:
		return &report.Fix{Description: pickString(rng, fz), Edits: []report.FixEdit{}}
	}
	f := &report.Fix{Description: pickString(rng, fz)}
	if rng.IntN(5) == 0 {
		return f // nil edits
	}
	for range rng.IntN(3) + 1 {
		f.Edits = append(f.Edits, report.FixEdit{Replacement: pickString(rng, fz), Range: report.FixRange{
			Start: randomPos(rng, fz), End: randomPos(rng, fz), StartOffset: rng.IntN(1 << 20), EndOffset: rng.IntN(1<<20) - 5}})
	}
	return f
}

func randomRelated(rng *rand.Rand, fz *fuzzed) []report.Related {
	switch rng.IntN(4) {
	case 0, 1:
		return nil
	case 2:
		return []report.Related{}
	}
	var out []report.Related
	for range rng.IntN(3) + 1 {
		r := report.Related{Position: randomPos(rng, fz), Message: pickString(rng, fz)}
		if rng.IntN(2) == 0 {
			r.Key = pickString(rng, fz)
		}
		out = append(out, r)
	}
	return out
}

func randomFinding(rng *rand.Rand, fz *fuzzed) report.Finding {
	f := report.Finding{Rule: pickString(rng, fz), Severity: report.Severity(rng.IntN(4)), Message: pickString(rng, fz),
		Pos: randomPos(rng, fz), Fix: randomFix(rng, fz), Related: randomRelated(rng, fz)}
	if rng.IntN(2) == 0 {
		f.Suggestion = pickString(rng, fz)
	}
	if rng.IntN(2) == 0 {
		f.Key = pickString(rng, fz)
	}
	return f
}

func randomMetrics(rng *rand.Rand, fz *fuzzed) []report.Metric {
	switch rng.IntN(3) {
	case 0:
		return nil
	case 1:
		return []report.Metric{}
	}
	var out []report.Metric
	for range rng.IntN(4) + 1 {
		out = append(out, report.Metric{Name: pickString(rng, fz), Value: pickFloat(rng, fz), Unit: pickString(rng, fz)})
	}
	return out
}

func randomStatus(rng *rand.Rand, fz *fuzzed) report.Status {
	if rng.IntN(5) == 0 {
		return report.Status(pickString(rng, fz))
	}
	return []report.Status{report.Pass, report.Fail, report.Warn, report.Skip}[rng.IntN(4)]
}

func randomValues(rng *rand.Rand, fz *fuzzed) []report.Value {
	switch rng.IntN(3) {
	case 0:
		return nil
	case 1:
		return []report.Value{}
	}
	var out []report.Value
	for range rng.IntN(4) + 1 {
		out = append(out, report.Value{Key: pickString(rng, fz), Value: pickString(rng, fz), Origin: pickString(rng, fz)})
	}
	return out
}

// randomValuesIn is randomValues, some of whose origins are places in
// file (written without its name: see report.Values).
func randomValuesIn(rng *rand.Rand, fz *fuzzed, file string) report.Values {
	var b report.ValuesBuilder
	b.SetFile(file)
	for _, v := range randomValues(rng, fz) {
		if rng.IntN(2) == 0 {
			b.Add(v.Key, v.Value, v.Origin)
			continue
		}
		b.Text(v.Key)
		b.End()
		b.Text(v.Value)
		b.End()
		b.Position(report.Position{File: file, Line: rng.IntN(3000) + 1, Col: rng.IntN(3)})
	}
	return b.Values()
}

func randomVersion(rng *rand.Rand, fz *fuzzed) *report.GreptimeDBVersion {
	switch rng.IntN(3) {
	case 0:
		return nil
	case 1:
		return &report.GreptimeDBVersion{Version: pickString(rng, fz), Source: pickString(rng, fz)}
	}
	return &report.GreptimeDBVersion{Version: pickString(rng, fz), Source: pickString(rng, fz), Note: pickString(rng, fz)}
}

func randomTime(rng *rand.Rand) time.Time {
	switch rng.IntN(4) {
	case 0:
		return time.Time{}
	case 1:
		return sample.Started
	case 2:
		return time.Unix(rng.Int64N(1<<40)-1<<39, rng.Int64N(1e9)).In(time.FixedZone("x", rng.IntN(50000)-25000))
	}
	return time.Unix(rng.Int64N(4e9), 0)
}

func randomReport(rng *rand.Rand, fz *fuzzed, extra time.Duration) *report.Report {
	r := &report.Report{Started: randomTime(rng), Interrupted: rng.IntN(4) == 0, FailOn: report.Severity(rng.IntN(3))}
	for range rng.IntN(4) {
		c := report.ComponentReport{Component: pickString(rng, fz), ConfigFile: pickString(rng, fz),
			Timestamp: randomTime(rng), Duration: pickDuration(rng, extra), GreptimeDB: randomVersion(rng, fz)}
		c.Values = randomValuesIn(rng, fz, c.ConfigFile)
		for range rng.IntN(5) {
			c.Findings = append(c.Findings, randomFinding(rng, fz))
		}
		for range rng.IntN(4) {
			p := report.ProbeResult{Name: pickString(rng, fz), Status: randomStatus(rng, fz), Message: pickString(rng, fz),
				Duration: pickDuration(rng, extra), Metrics: randomMetrics(rng, fz)}
			if rng.IntN(2) == 0 {
				p.Pos = randomPos(rng, fz)
			}
			if rng.IntN(2) == 0 {
				p.Suggestion, p.Class, p.Key = pickString(rng, fz), pickString(rng, fz), pickString(rng, fz)
			}
			c.Probes = append(c.Probes, p)
		}
		r.Components = append(r.Components, c)
	}
	for range rng.IntN(4) {
		r.ClusterFindings = append(r.ClusterFindings, randomFinding(rng, fz))
	}
	if rng.IntN(5) == 0 {
		for range rng.IntN(3) {
			cc := report.ConfigChanges{File: pickString(rng, fz), Component: pickString(rng, fz), Status: pickString(rng, fz)}
			if rng.IntN(3) > 0 {
				cc.Changes = []report.Change{}
			}
			for range rng.IntN(3) {
				cc.Changes = append(cc.Changes, report.Change{Key: pickString(rng, fz), Old: pickString(rng, fz), New: pickString(rng, fz),
					OldOrigin: pickString(rng, fz), Dangerous: rng.IntN(2) == 0, Reason: pickString(rng, fz)})
			}
			r.Impact = append(r.Impact, cc)
		}
	}
	return r
}

// randomComponent is a JSONComponent as no report makes: any float, nil
// details, every optional field on or off.
func randomComponent(rng *rand.Rand, fz *fuzzed) report.JSONComponent {
	c := report.JSONComponent{Component: pickString(rng, fz), ConfigFile: pickString(rng, fz), Timestamp: pickString(rng, fz),
		OverallResult: randomStatus(rng, fz), Interrupted: rng.IntN(2) == 0, TotalChecks: int(rng.Int64()) - rng.IntN(3),
		PassedChecks: rng.IntN(9), FailedChecks: -rng.IntN(9), WarningChecks: rng.IntN(9), Message: pickString(rng, fz),
		EffectiveValues: report.NewValues(randomValues(rng, fz)), GreptimeDBVersion: randomVersion(rng, fz)}
	if rng.IntN(8) > 0 {
		c.TotalDurationMS = pickFloat(rng, fz)
	}
	if rng.IntN(4) > 0 {
		c.Details = []report.JSONDetail{}
	}
	for range rng.IntN(4) {
		d := report.JSONDetail{Name: pickString(rng, fz), Status: randomStatus(rng, fz), Message: pickString(rng, fz),
			Metrics: randomMetrics(rng, fz), Fix: randomFix(rng, fz), Related: randomRelated(rng, fz)}
		if rng.IntN(8) > 0 {
			d.DurationMS = pickFloat(rng, fz)
		}
		for _, s := range []*string{&d.Suggestion, &d.Rule, &d.Severity, &d.Class, &d.Key} {
			if rng.IntN(2) == 0 {
				*s = pickString(rng, fz)
			}
		}
		if rng.IntN(3) > 0 {
			p := randomPos(rng, fz)
			d.Location = &p
		}
		c.Details = append(c.Details, d)
	}
	return c
}

// BenchmarkWriteJSON writes a lint-sized run (200 components, each with
// a couple of fixable findings and its effective values) with the
// encoder and with encoding/json.
func BenchmarkWriteJSON(b *testing.B) {
	r := &report.Report{Started: sample.Started}
	for i := range 200 {
		file := "deploy/datanode-" + strconv.Itoa(i) + ".toml"
		c := report.ComponentReport{Component: "datanode", ConfigFile: file, Timestamp: sample.Started, Duration: 1234567 * time.Nanosecond}
		for j := range 4 {
			c.Findings = append(c.Findings, report.Finding{Rule: "deprecated-key", Severity: report.Warning,
				Message: "storage.type = \"S3\" is deprecated; use <x> & y", Key: "storage.type",
				Pos: report.Position{File: file, Line: 10 + j, Col: 1},
				Fix: &report.Fix{Description: "rename it", Edits: []report.FixEdit{{Replacement: "x",
					Range: report.FixRange{Start: report.Position{File: file, Line: 10 + j, Col: 1}, End: report.Position{File: file, Line: 10 + j, Col: 5}, StartOffset: 100, EndOffset: 104}}}}})
		}
		var vb report.ValuesBuilder
		for j := range 40 {
			vb.Add("key."+strconv.Itoa(j), "\"value\"", file+":12")
		}
		c.Values = vb.Values()
		r.Components = append(r.Components, c)
	}
	for _, w := range []struct {
		name  string
		write func(*bytes.Buffer, *report.Report) error
	}{
		{"encoder", func(b *bytes.Buffer, r *report.Report) error { return report.WriteJSON(b, r) }},
		{"encoding-json", func(b *bytes.Buffer, r *report.Report) error { return report.OracleWriteJSON(b, r) }},
	} {
		b.Run(w.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := w.write(&buf, r); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}
