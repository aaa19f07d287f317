package lint_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/report"
)

// TestUpstreamCIByRelease lints the configs GreptimeDB's CI, operator,
// Helm chart and testbed use (shared/greptime-configs/upstream-ci), each
// as the release it runs: the greptimedb repository's own files run its
// main build, the testbed, operator, chart and gtctl files the newest
// stable release. Errors are allowed only on the keys SOURCE.md calls
// ignored (or broken) there; some of those are warnings (a key another
// component reads), which is fine too. Templates that are not TOML before rendering are left
// out.
func TestUpstreamCIByRelease(t *testing.T) {
	const ci = "../../shared/greptime-configs/upstream-ci/"
	const gh = "greptimedb/embedded/github__actions__setup-greptimedb-cluster__"
	cases := []struct {
		file    string
		comp    configs.Component
		version string
		ignored []string // keys with an error, as SOURCE.md lists them
	}{
		{"greptimedb/tests__conf__frontend-test.toml.template", configs.Frontend, "main", nil},
		{"greptimedb/tests-fuzz__conf__standalone.template.toml", configs.Standalone, "main",
			[]string{"enable_memory_catalog", "grpc_options", "mode", "require_lease_before_startup"}},
		{gh + "with-minio.yaml--meta.configData.toml", configs.Metasrv, "main", nil},
		{gh + "with-minio.yaml--datanode.configData.toml", configs.Datanode, "main", nil},
		{gh + "with-minio.yaml--frontend.configData.toml", configs.Frontend, "main", nil},
		{gh + "with-remote-wal.yaml--meta.configData.toml", configs.Metasrv, "main", []string{"wal.trigger_flush_threshold"}},
		{gh + "with-remote-wal.yaml--datanode.configData.toml", configs.Datanode, "main", nil},
		{gh + "with-minio-repartition-gc.yaml--meta.configData.toml", configs.Metasrv, "main", nil},
		{gh + "with-minio-repartition-gc.yaml--datanode.configData.toml", configs.Datanode, "main", nil},
		{gh + "with-remote-wal-logical-prune.yaml--meta.configData.toml", configs.Metasrv, "main", []string{"wal.trigger_flush_threshold"}},
		{gh + "with-remote-wal-logical-prune.yaml--datanode.configData.toml", configs.Datanode, "main", nil},
		{gh + "with-minio-and-cache.yaml--meta.configData.toml", configs.Metasrv, "main", nil},
		{gh + "with-minio-and-cache.yaml--datanode.configData.toml", configs.Datanode, "main", nil},
		{gh + "with-disk.yaml--datanode.configData.toml", configs.Datanode, "main", nil},
		{"greptimedb-operator/cmd__initializer__internal__testdata__datanode-config.toml", configs.Datanode, "v1.1.4",
			[]string{"meta_client_options", "mode", "procedure", "storage.flush", "storage.manifest"}},
		{"greptimedb-operator/cmd__initializer__internal__testdata__flownode-config.toml", configs.Flownode, "v1.1.4", []string{"mode"}},
		{"greptimedb-operator/embedded/examples__cluster__add-custom-config__cluster.yaml--spec.datanode.config.toml", configs.Datanode, "v1.1.4",
			[]string{"region_engine[0].mito.max_background_jobs"}},
		{"greptimedb-operator/embedded/examples__cluster__datanode-groups__cluster.yaml--spec.datanodeGroups.0.config.toml", configs.Datanode, "v1.1.4", nil},
		{"helm-charts/embedded/charts__greptimedb-standalone__values.yaml--configToml.toml", configs.Standalone, "v1.1.4", []string{"mode"}},
		// SOURCE.md: no region, so OpenDAL fails at start without AWS_REGION.
		{"gtctl/examples__bare-metal__cluster-with-s3-storage.datanode.toml", configs.Datanode, "v1.1.4", []string{"storage.region"}},
		{"testbed/config__metasrv.toml", configs.Metasrv, "v1.1.4", nil},
		{"testbed/config__flownode.toml", configs.Flownode, "v1.1.4", nil},
		{"testbed/config__datanode.toml", configs.Datanode, "v1.1.4", nil},
		{"testbed/config__frontend.toml", configs.Frontend, "v1.1.4", []string{"storage"}},
		{"testbed/config__standalone-fs.toml", configs.Standalone, "v1.1.4", nil},
		{"testbed/config__standalone.toml", configs.Standalone, "v1.1.4", nil},
		{"testbed/config__standalone-standby.toml", configs.Standalone, "v1.1.4", []string{"enterprise_standalone"}},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			data, err := os.ReadFile(ci + tc.file)
			if err != nil {
				t.Fatalf("%v: the GreptimeDB reference configs must be checked out at ../shared beside the repository", err)
			}
			f, err := configs.Load(filepath.Base(tc.file), data, tc.comp)
			if err != nil {
				t.Fatal(err)
			}
			if f.Version, err = configs.ParseVersion(tc.version, "test"); err != nil {
				t.Fatal(err)
			}
			configs.ApplyEnv(f, nil, "")
			for _, fd := range lint.Lint(f, nil) {
				if fd.Severity != report.Error {
					continue
				}
				if !ignoredKey(tc.ignored, fd.Key) {
					t.Errorf("%s", fd)
				}
			}
		})
	}
}

func ignoredKey(ignored []string, key string) bool {
	for _, k := range ignored {
		if key == k || strings.HasPrefix(key, k+".") || strings.HasPrefix(key, k+"[") {
			return true
		}
	}
	return false
}
