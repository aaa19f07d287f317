package testenv

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// TestScriptRefusesForeignServers: a server on the test environment's ports
// that looks healthy but refuses the test credentials (a MinIO of someone
// else, answering its health check and 403 to everything else; an HTTP
// server that is not fake-gcs) is not taken for the test environment's own
// (issue 14: it made the whole suite fail with "Access Key Id does not
// exist"). The real servers on the default ports must still count.
func TestScriptRefusesForeignServers(t *testing.T) {
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/minio/health/live", "/storage/v1/b":
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(`{}`))
		default:
			w.Header().Set("Server", "MinIO")
			http.Error(w, "<Error><Code>InvalidAccessKeyId</Code></Error>", http.StatusForbidden)
		}
	}))
	defer foreign.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(foreign.URL, "http://"))

	cmd := exec.Command("bash", "../../scripts/testenv.sh", "status")
	cmd.Env = append(cmd.Environ(), "STEPSTONE_MINIO_PORT="+port, "STEPSTONE_GCS_PORT="+port, "STEPSTONE_RUN="+t.TempDir())
	out, _ := cmd.CombinedOutput()
	for _, name := range []string{"minio", "fake-gcs"} {
		if !hasLine(string(out), name, "down") {
			t.Errorf("%s on a foreign server is not down:\n%s", name, out)
		}
	}
	for _, name := range []string{"azurite", "postgresql", "mariadb"} {
		if !hasLine(string(out), name, "up") {
			t.Errorf("the real %s is not up:\n%s", name, out)
		}
	}
}

func hasLine(out, name, state string) bool {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == name && f[1] == state {
			return true
		}
	}
	return false
}
