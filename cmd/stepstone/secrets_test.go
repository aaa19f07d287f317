package main

// No output stepstone writes may carry a secret: every command, every
// format, stdout, stderr and every file (SARIF, JSON, Markdown, the step
// summary, the step outputs, the PR comment), with secrets in the configs
// and in the environment, and with live checks against the real servers
// using WRONG credentials, so that the drivers produce their own errors.
//
// The one place a secret may appear is a GitHub "::add-mask::" line: it is
// how the runner learns to hide the value, and the runner never shows it.

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/stepstone-dev/stepstone/internal/testenv"
)

// Every secret is distinctive, so a hit cannot be a coincidence, and some
// hold characters a DSN must percent-encode, so the encoded form is
// searched for too.
const (
	secretS3        = "S3-secret-Qx7vT2kLm9"
	secretOSS       = "OSS-secret-Wz4nB8pRd1"
	secretAzKey     = "QXp1cmVXcm9uZ0tleVNlY3JldDk5ODg3NzY2NTU0NDMzMjIxMTAwOTk4ODc3NjY1NTQ0MzMyMjExMA=="
	secretAzSAS     = "sv=2022-11-02&sig=AzSasSecretZq8uY3"
	secretGCS       = "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50IiwicHJpdmF0ZV9rZXkiOiJHQ1NTZWNyZXRLZXk3NzEifQ=="
	secretGCSInner  = "GCSSecretKey771" // the private_key inside secretGCS
	secretPG        = "Pg#Secret@Pass/42!"
	secretMySQL     = "My$ecret:Pass%77"
	secretEtcd      = "Etcd-secret-Hj5kL0"
	secretSASL      = "Sasl-secret-Yt6rE3"
	secretUser      = "UserProv-secret-Nm2bV8"
	secretEnvS3     = "EnvS3-secret-Ko9iJ4"
	secretEnvUser   = "EnvUser-secret-Lp3oK7"
	secretEnvDSN    = "EnvDsn-secret-Gf5tR2"
	secretKubeS3    = "Kube-S3-secret-Uy1hG6"
	secretGitHubTok = "test-token-123" // the stand-in API's token
)

var allSecrets = []string{secretS3, secretOSS, secretAzKey, secretAzSAS, secretGCS, secretGCSInner, secretPG, secretMySQL, secretEtcd,
	secretSASL, secretUser, secretEnvS3, secretEnvUser, secretEnvDSN, secretKubeS3, secretGitHubTok}

// secretForms returns s and the ways it may be encoded on its way out.
func secretForms(s string) []string {
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s), url.UserPassword("u", s).String()[2:]}
	if len(s) > 12 {
		// A long secret cut in half still leaks.
		forms = append(forms, s[:len(s)/2+2], s[len(s)/2-2:])
	}
	return forms
}

// findSecrets returns a description of every secret found in text, ignoring
// ::add-mask:: lines.
func findSecrets(where, text string) []string {
	var hits []string
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "::add-mask::") {
			continue
		}
		for _, s := range allSecrets {
			for _, form := range secretForms(s) {
				if strings.Contains(line, form) {
					hits = append(hits, fmt.Sprintf("%s line %d holds %q (secret %q): %s", where, i+1, form, s, line))
				}
			}
		}
	}
	return hits
}

// startAuthEtcd starts an embedded etcd with authentication on, so a probe
// that sends no credentials gets etcd's own error.
func startAuthEtcd(t *testing.T) string {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Name = "secrets-test"
	cfg.Dir = t.TempDir()
	cfg.LogLevel = "error"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)))
	pu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)))
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatalf("start embedded etcd: %v", err)
	}
	t.Cleanup(e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		t.Fatal("embedded etcd did not become ready")
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{cu.Host}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, step := range []func() error{
		func() error { _, err := cli.UserAdd(ctx, "root", "the-real-root-password"); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := cli.AuthEnable(ctx); return err },
	} {
		if err := step(); err != nil {
			t.Fatalf("etcd auth setup: %v", err)
		}
	}
	return cu.Host
}

// secretConfigs writes one config per component, each full of secrets, all
// of them wrong for the real servers they name.
func secretConfigs(t *testing.T, dir string) map[string]string {
	t.Helper()
	s3 := testenv.MinIO(t)
	az := testenv.Azurite(t)
	gcs := testenv.FakeGCS(t)
	pg := testenv.Postgres(t)
	my := testenv.MySQL(t)
	etcdAddr := startAuthEtcd(t)
	refused := testenv.RefusedAddr(t)

	files := map[string]string{
		"datanode.toml": fmt.Sprintf(`node_id = 1
[meta_client]
metasrv_addrs = [%q]

[wal]
provider = "kafka"
broker_endpoints = [%q]
[wal.sasl]
type = "PLAIN"
username = "greptime"
password = %q

[storage]
type = "S3"
bucket = "stepstone-probe-test"
root = "secrets-test"
endpoint = %q
region = %q
access_key_id = %q
secret_access_key = %q

[[storage.providers]]
type = "Oss"
bucket = "stepstone-probe-test"
endpoint = %q
access_key_id = %q
access_key_secret = %q

[[storage.providers]]
type = "Azblob"
container = "stepstone-probe-test"
endpoint = %q
account_name = %q
account_key = %q

[[storage.providers]]
type = "Azblob"
name = "sas"
container = "stepstone-probe-test"
endpoint = %q
account_name = %q
sas_token = %q

[[storage.providers]]
type = "Gcs"
bucket = "stepstone-probe-test"
endpoint = %q
credential = %q
`, refused, refused, secretSASL,
			s3.URL(), s3.Region, s3.AccessKey, secretS3,
			s3.URL(), s3.AccessKey, secretOSS,
			az.Endpoint, az.Account, secretAzKey,
			az.Endpoint, az.Account, secretAzSAS,
			gcs.Endpoint, secretGCS),
		"metasrv-pg.toml":    fmt.Sprintf("backend = \"postgres_store\"\nstore_addrs = [%q]\n", pg.DSNFor(pg.User, secretPG)),
		"metasrv-mysql.toml": fmt.Sprintf("backend = \"mysql_store\"\nstore_addrs = [%q]\n", my.URLFor(my.User, secretMySQL)),
		"metasrv-etcd.toml": fmt.Sprintf("backend = \"etcd_store\"\nstore_addrs = [%q]\n[wal]\nprovider = \"kafka\"\n[wal.sasl]\ntype = \"SCRAM-SHA-512\"\nusername = \"u\"\npassword = %q\n",
			"http://root:"+url.PathEscape(secretEtcd)+"@"+etcdAddr, secretSASL),
		"frontend.toml": fmt.Sprintf("user_provider = %q\n[meta_client]\nmetasrv_addrs = [%q]\n",
			"static_user_provider:cmd:admin="+secretUser, refused),
		"flownode.toml": fmt.Sprintf("node_id = 3\n[meta_client]\nmetasrv_addrs = [%q]\n", "http://u:"+secretEtcd+"@"+refused),
		// The secret key comes from the environment only.
		"standalone.toml": fmt.Sprintf("[storage]\ntype = \"S3\"\nbucket = \"stepstone-probe-test\"\nroot = \"secrets-test\"\nendpoint = %q\nregion = %q\naccess_key_id = %q\n",
			s3.URL(), s3.Region, s3.AccessKey),
	}
	out := map[string]string{}
	for name, body := range files {
		out[name] = writeTestFile(t, dir, name, body)
	}
	return out
}

// secretEnv sets more secrets through GREPTIMEDB_* overrides: effective
// ones, shadowed ones and unknown keys.
func secretEnv(t *testing.T) []string {
	pg := testenv.Postgres(t)
	return []string{
		"GREPTIMEDB_STANDALONE__STORAGE__SECRET_ACCESS_KEY=" + secretEnvS3,
		"GREPTIMEDB_DATANODE__STORAGE__SECRET_ACCESS_KEY=" + secretEnvS3,
		"GREPTIMEDB_DATANODE__STORAGE__ACCESS_KEY_SECRET=" + secretEnvS3,
		"GREPTIMEDB_FRONTEND__USER_PROVIDER=static_user_provider:cmd:admin=" + secretEnvUser,
		"GREPTIMEDB_METASRV__STORE_ADDRS=" + pg.DSNFor("other", secretEnvDSN),
		"GREPTIMEDB_DATANODE__WAL__SASL__PASSWORD=" + secretSASL,
	}
}

// kubeManifest is a GreptimeDBCluster with its Secret in the same file, as
// a repository keeps them.
func kubeManifest(t *testing.T, dir string) string {
	return s3ClusterManifest(t, dir, "secrets-test", secretKubeS3)
}

// s3ClusterManifest writes a GreptimeDBCluster named name whose object
// storage is the test MinIO (root: name), with an s3-credentials Secret
// holding secretKey; the etcd endpoint refuses connections.
func s3ClusterManifest(t *testing.T, dir, name, secretKey string) string {
	s3 := testenv.MinIO(t)
	return writeTestFile(t, dir, "cluster.yaml", fmt.Sprintf(`apiVersion: greptime.io/v1alpha1
kind: GreptimeDBCluster
metadata:
  name: %s
spec:
  base:
    main:
      image: greptime/greptimedb:latest
  frontend:
    replicas: 1
  meta:
    replicas: 1
    backendStorage:
      etcd:
        endpoints:
          - %q
  datanode:
    replicas: 1
  objectStorage:
    s3:
      bucket: "stepstone-probe-test"
      region: %q
      endpoint: %q
      secretName: "s3-credentials"
      root: %q
---
apiVersion: v1
kind: Secret
metadata:
  name: s3-credentials
stringData:
  access-key-id: %q
  secret-access-key: %q
`, name, testenv.RefusedAddr(t), s3.Region, s3.URL(), name, s3.AccessKey, secretKey))
}

func TestSecretsNeverLeak(t *testing.T) {
	dir := t.TempDir()
	cfgs := secretConfigs(t, dir)
	env := secretEnv(t)
	manifest := kubeManifest(t, t.TempDir())
	live := []string{"--timeout", "5s", "--on-host"}

	type run struct {
		name string
		args []string
	}
	var runs []run
	for _, format := range []string{"human", "json", "sarif", "markdown"} {
		for _, c := range []struct{ cmd, file string }{
			{"datanode", "datanode.toml"}, {"metasrv", "metasrv-pg.toml"}, {"metasrv", "metasrv-mysql.toml"},
			{"metasrv", "metasrv-etcd.toml"}, {"frontend", "frontend.toml"}, {"flownode", "flownode.toml"},
			{"standalone", "standalone.toml"},
		} {
			runs = append(runs, run{c.cmd + " " + c.file + " -o " + format,
				append([]string{c.cmd, "-c", cfgs[c.file], "-o", format, "--verbose"}, live...)})
		}
		runs = append(runs,
			run{"run -o " + format, append(append([]string{"run", "-o", format, "--verbose"}, live...), dir)},
			run{"lint -o " + format, []string{"lint", "-o", format, "--verbose", dir}},
			run{"cluster -f -o " + format, append(append([]string{"cluster", "-o", format, "--verbose"}, live...), "-f", manifest)},
		)
	}
	// Every format at once, each to its own file.
	outDir := t.TempDir()
	runs = append(runs, run{"run -o all=files", append(append([]string{"run", "--verbose",
		"-o", "human=" + filepath.Join(outDir, "report.txt"), "-o", "json=" + filepath.Join(outDir, "report.json"),
		"-o", "sarif=" + filepath.Join(outDir, "report.sarif"), "-o", "markdown=" + filepath.Join(outDir, "report.md")},
		live...), dir)})

	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			res := runCLI(t, "", env, append([]string{"stepstone"}, r.args...)...)
			if res.code != exitFindings && res.code != exitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			hits := append(findSecrets("stdout", res.stdout), findSecrets("stderr", res.stderr)...)
			for _, h := range hits {
				t.Error(h)
			}
		})
	}
	// The files of the all-formats run.
	entries, _ := os.ReadDir(outDir)
	if len(entries) != 4 {
		t.Errorf("want 4 report files in %s, got %d", outDir, len(entries))
	}
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(outDir, e.Name()))
		for _, h := range findSecrets(e.Name(), string(data)) {
			t.Error(h)
		}
	}

	// A live run with the driver errors, then a check that they happened:
	// the test is worth little if no server was ever asked.
	res := runCLI(t, "", env, append(append([]string{"stepstone", "run", "-o", "json"}, live...), dir)...)
	for _, want := range []string{"signature we calculated does not match", "password authentication failed",
		"Access denied for user", "AuthorizationFailure", "user name is empty"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("no %q in the live report: the wrong credentials did not reach the server\n%s", want, res.stdout)
		}
	}
}

// TestSecretsNeverLeakGitHub runs -o github as the Action does on a pull
// request, against the stand-in REST API, and searches the log, the step
// summary, the step outputs, the JSON report in the workspace, the SARIF file
// and the PR comment.
func TestSecretsNeverLeakGitHub(t *testing.T) {
	ws := t.TempDir()
	cfgs := secretConfigs(t, ws)
	env := secretEnv(t)
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"sha":"abc123"}},"repository":{"full_name":"acme/cluster"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	api := &githubAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()

	tmp := t.TempDir()
	summary := filepath.Join(tmp, "summary.md")
	outputs := filepath.Join(tmp, "outputs")
	sarifFile := filepath.Join(ws, "stepstone.sarif")
	env = append(env,
		"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE="+ws, "GITHUB_EVENT_NAME=pull_request", "GITHUB_EVENT_PATH="+event,
		"GITHUB_STEP_SUMMARY="+summary, "GITHUB_OUTPUT="+outputs, "GITHUB_API_URL="+srv.URL,
		"GITHUB_SERVER_URL=https://github.example", "GITHUB_REPOSITORY=acme/cluster", "GITHUB_SHA=abc123",
		"GITHUB_RUN_ID=42", "RUNNER_TEMP="+tmp, "GITHUB_TOKEN="+secretGitHubTok)

	reportJSON := filepath.Join(ws, "stepstone-report.json")
	res := runCLI(t, "", env, "stepstone", "run", "-o", "github", "--sarif-file", sarifFile, "--report-json", reportJSON, "--changed-only", "false",
		"--timeout", "5s", "--on-host", "--verbose", ws)
	if res.code != exitFindings {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	// The masks cover the secrets the configs hold, decoded as the runner
	// decodes command data (%25 last).
	masked := map[string]bool{}
	for _, line := range strings.Split(res.stdout, "\n") {
		if m, ok := strings.CutPrefix(line, "::add-mask::"); ok {
			m = strings.NewReplacer("%0D", "\r", "%0A", "\n").Replace(m)
			masked[strings.ReplaceAll(m, "%25", "%")] = true
		}
	}
	for _, s := range []string{secretS3, secretOSS, secretAzKey, secretAzSAS, secretGCS, secretPG, secretMySQL, secretUser, secretEnvS3} {
		if !masked[s] {
			t.Errorf("%q is not masked", s)
		}
	}
	texts := map[string]string{"stdout": res.stdout, "stderr": res.stderr}
	for _, p := range []string{summary, outputs, sarifFile, reportJSON} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("missing output %s: %v", p, err)
			continue
		}
		texts[filepath.Base(p)] = string(data)
	}
	api.mu.Lock()
	for i, c := range api.comments {
		texts[fmt.Sprintf("PR comment %d", i)] = fmt.Sprint(c["body"])
	}
	ncomments := len(api.comments)
	api.mu.Unlock()
	if ncomments != 1 {
		t.Errorf("want one PR comment, got %d", ncomments)
	}
	for where, text := range texts {
		for _, h := range findSecrets(where, text) {
			t.Error(h)
		}
	}
	_ = cfgs
}
