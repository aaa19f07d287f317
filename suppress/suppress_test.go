package suppress

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

func TestApply(t *testing.T) {
	toml := "# stepstone:ignore-file missing-node-id set by the operator\n" +
		"[storage]\n" +
		"type = \"S3\"\n" +
		"secret_access_key = \"x\" # stepstone:ignore plaintext-secret dev only until=2026-01-31\n" +
		"# stepstone:ignore unknown-key,renamed-key\n" +
		"bucket_name = \"b\"\n" +
		"# stepstone:ignore tmp-data-home nothing here\n" +
		"root = \"r\"\n"
	findings := []report.Finding{
		{Rule: "missing-node-id", Pos: report.Position{File: "d.toml"}},
		{Rule: "plaintext-secret", Pos: report.Position{File: "d.toml", Line: 4}},
		{Rule: "unknown-key", Pos: report.Position{File: "d.toml", Line: 6}},
		{Rule: "unknown-key", Pos: report.Position{File: "d.toml", Line: 3}},
		{Rule: "invalid-enum", Pos: report.Position{File: "dev/f.toml", Line: 3}},
	}
	repo, err := ParseRepo("/repo/.stepstone.toml", []byte("fail-on = \"warning\"\n[[ignore]]\npaths = [\"dev/**\"]\nrules = [\"invalid-enum\"]\nreason = \"a test\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	repo.Dir = "."
	res := Apply(Input{Findings: findings, Files: map[string][]byte{"d.toml": []byte(toml)}, Repo: repo, Today: time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)})
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Rule+" "+f.Pos.String()+" "+f.Message)
	}
	want := []string{
		"plaintext-secret d.toml:4 ",
		"unknown-key d.toml:3 ",
		"suppression-expired d.toml:4 suppression of plaintext-secret expired on 2026-01-31 (2 day(s) ago); its findings are reported again",
		"suppression-no-reason d.toml:5 suppression of unknown-key,renamed-key gives no reason",
		"suppression-unused d.toml:7 suppression of tmp-data-home matched no finding",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Suppressed) != 3 {
		t.Fatalf("suppressed %d, want 3", len(res.Suppressed))
	}
	for _, s := range res.Suppressed {
		if s.Suppressed == nil || s.Suppressed.Justification == "" {
			t.Errorf("%s has no justification", s.Rule)
		}
	}
	if res.Suppressed[2].Suppressed.Kind != "external" {
		t.Errorf("the repository entry must be external: %+v", res.Suppressed[2].Suppressed)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "deploy", "prod")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, FileName), []byte("greptimedb-version = \"v0.15.0\"\n"), 0o644)
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	p, err := Find(sub)
	if err != nil || p != filepath.Join(dir, FileName) {
		t.Fatalf("Find = %q, %v", p, err)
	}
	r, err := LoadRepo(p)
	if err != nil || r.GreptimeDBVersion != "v0.15.0" {
		t.Fatalf("LoadRepo = %+v, %v", r, err)
	}
	if _, err := ParseRepo("x", []byte("fail_on = 1\n")); err == nil {
		t.Error("an unknown setting must be an error")
	}
}

// TestScoped: directives written outside the texts (a resource's
// annotation) suppress the findings of the files they cover, and are
// reported like any other when unused, reasonless or expired.
func TestScoped(t *testing.T) {
	ds := ParseList("crd-plaintext-credentials dev keys\n# stepstone:ignore plaintext-secret until=2026-01-01;  ;unknown-key\ncrd-secret-unchecked not yet")
	if len(ds) != 4 || ds[0].Reason != "dev keys" || ds[1].Until.IsZero() || ds[1].Reason != "" || ds[2].Rules[0] != "unknown-key" {
		t.Fatalf("ParseList = %+v", ds)
	}
	ref := "greptimedbcluster/demo -n prod"
	sc := Scoped{Where: ref + " annotation x", Pos: report.Position{File: ref},
		Covers: func(f string) bool { return f == ref || strings.HasPrefix(f, ref+" ") }, Directives: ds}
	findings := []report.Finding{
		{Rule: "crd-plaintext-credentials", Pos: report.Position{File: ref + " spec.objectStorage.s3"}},
		{Rule: "crd-plaintext-credentials", Pos: report.Position{File: "greptimedbcluster/demo-2 -n prod spec.objectStorage.s3"}},
		{Rule: "plaintext-secret", Pos: report.Position{File: ref + " spec.datanode.config", Line: 3}},
		{Rule: "unknown-key", Pos: report.Position{File: ref + " spec.datanode.config", Line: 4}},
	}
	res := Apply(Input{Findings: findings, Scoped: []Scoped{sc}, Today: time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)})
	if !res.Accepted[0] || res.Accepted[1] || res.Accepted[2] || !res.Accepted[3] {
		t.Errorf("Accepted = %v, want the cluster's credentials and unknown-key only (plaintext-secret expired)", res.Accepted)
	}
	if res.Suppressed[0].Suppressed.Location != sc.Where || res.Suppressed[0].Suppressed.Justification != "dev keys" {
		t.Errorf("suppression = %+v", res.Suppressed[0].Suppressed)
	}
	var meta []string
	for _, f := range res.Findings[2:] {
		meta = append(meta, f.Rule+" "+f.Pos.File)
	}
	want := []string{"suppression-no-reason " + ref, "suppression-expired " + ref, "suppression-no-reason " + ref, "suppression-unused " + ref}
	if strings.Join(meta, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings about the annotation:\n%s\nwant:\n%s", strings.Join(meta, "\n"), strings.Join(want, "\n"))
	}
}

// Mentioned is bytes.Contains of the marker, on texts made of pieces of
// it, colons and other bytes (a property test of the colon hopping).
func TestMentionedIsContains(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"stepstone", ":ignore", "stepstone:ignore", "step", "stone:", ":", "::", "s", "e", " ", "\n", "# ", "stepstone::ignore", "tepstone:ignore", "stepstone:ignor", "é"}
	for range 30000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		src := []byte(b.String())
		if got, want := Mentioned(src), bytes.Contains(src, []byte("stepstone:ignore")); got != want {
			t.Fatalf("Mentioned(%q) = %v, want %v", src, got, want)
		}
	}
}
