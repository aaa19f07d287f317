package main

import (
	"strings"
	"testing"
)

// TestHardenRunRedactor: the run's one redactor hides what the old
// per-writer redactors each missed: a password cut at a comma by
// GREPTIMEDB_METASRV__STORE_ADDRS, a secret that also occurs inside another
// value (the bucket name), a credential query parameter and
// logging.otlp_headers values, in -o json (effective values) and the human
// report with --verbose.
func TestHardenRunRedactor(t *testing.T) {
	const (
		commaPass  = "Comma,Pass-Zr8qW1"
		otlpToken  = "OtlpBearer-Tk9mN3"
		otlpEnvKey = "OtlpEnvKey-Vb2cX7"
		queryPass  = "QueryPass-Hy6uJ5"
		bucketPass = "BucketSecret-Qa4sW2"
	)
	dir := t.TempDir()
	writeTestFile(t, dir, "metasrv.toml", `backend = "postgres_store"
store_addrs = ["postgresql://u@127.0.0.1:1/db?sslmode=disable&password=`+queryPass+`"]

[logging.otlp_headers]
Authorization = "Bearer `+otlpToken+`"
`)
	writeTestFile(t, dir, "datanode.toml", `[storage]
type = "S3"
bucket = "b-`+bucketPass+`"
root = "data"
access_key_id = "AKIAEXAMPLE"
secret_access_key = "`+bucketPass+`"
`)
	env := []string{
		"GREPTIMEDB_METASRV__STORE_ADDRS=postgresql://u:" + commaPass + "@127.0.0.1:1/db",
		"GREPTIMEDB_DATANODE__LOGGING__OTLP_HEADERS__X_API_KEY=" + otlpEnvKey,
	}
	secrets := []string{commaPass, "Pass-Zr8qW1", otlpToken, otlpEnvKey, queryPass, bucketPass}
	for _, args := range [][]string{
		{"stepstone", "lint", "-o", "json", dir},
		{"stepstone", "lint", "--verbose", dir},
		{"stepstone", "lint", "-o", "markdown", "--verbose", dir},
	} {
		res := runCLI(t, "", env, args...)
		if res.code == 3 || res.code == 2 {
			t.Fatalf("%v: exit %d\n%s", args, res.code, res.stderr)
		}
		for _, s := range secrets {
			if strings.Contains(res.stdout, s) || strings.Contains(res.stderr, s) {
				t.Errorf("%v printed %q:\n%s\n%s", args, s, res.stdout, res.stderr)
			}
		}
	}
}

// TestHardenSyntaxErrorKeepsSecret: a secret written without quotes makes
// a TOML syntax error whose message quoted the text it stopped at.
func TestHardenSyntaxErrorKeepsSecret(t *testing.T) {
	dir := t.TempDir()
	p := writeTestFile(t, dir, "datanode.toml", "[storage]\ntype = \"S3\"\nsecret_access_key = Unq-Secret-Zz91\n")
	for _, format := range []string{"text", "json", "sarif", "markdown"} {
		res := runCLI(t, "", nil, "stepstone", "lint", "-o", format, p)
		if res.code != 1 {
			t.Fatalf("-o %s: exit %d, want 1\n%s", format, res.code, res.stderr)
		}
		for _, s := range []string{"Unq", "Zz91", "Unq-Secret-Zz91"} {
			if strings.Contains(res.stdout+res.stderr, s) {
				t.Errorf("-o %s printed %q:\n%s%s", format, s, res.stdout, res.stderr)
			}
		}
	}
}
