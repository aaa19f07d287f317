package annotate

import (
	"bytes"
	"flag"
	"io"
	"os"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.* from the current output")

// sampleOptions are the options Run would derive for the sample report in
// a pull request run of stepstone-dev/demo.
func sampleOptions() Options {
	return Options{
		Workspace:      sample.Workspace,
		BlobURL:        "https://github.com/stepstone-dev/demo/blob/0123456789abcdef0123456789abcdef01234567",
		RunURL:         "https://github.com/stepstone-dev/demo/actions/runs/42",
		SARIFPath:      "stepstone.sarif",
		ReportJSONPath: "stepstone.json",
	}
}

// checkGolden compares got with testdata/<name>, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./annotate -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test ./annotate -update and review the diff):\n%s", path, got)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		golden string
		write  func(io.Writer, *report.Report, Options) error
	}{
		{"golden.annotations", func(w io.Writer, r *report.Report, o Options) error {
			_, _, err := WriteCommands(w, r, o)
			return err
		}},
		{"golden.summary.md", WriteSummary},
		{"golden.comment.md", WriteMarkdown},
		{"golden.outputs", func(w io.Writer, r *report.Report, o Options) error {
			return writeOutputs(w, outputs(r, o), func() (string, error) { return "ghadelimiter_TEST", nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.write(&buf, sample.Report(), sampleOptions()); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.golden, buf.Bytes())
		})
	}
}
