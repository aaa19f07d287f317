package probe

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/internal/textsafe"
	"github.com/stepstone-dev/stepstone/report"
)

// Running nodes. Every GreptimeDB component serves, on its http.addr
// (src/servers/src/http.rs, handlers in src/servers/src/http/handler.rs):
//   - GET /health: 200 with "{}" while the process runs;
//   - GET /status: JSON {commit, branch, rustc_version, hostname, version};
//   - GET /config: the options the process runs with, serialised as TOML
//     by Configurable::to_toml (src/common/config/src/config.rs). Object
//     storage keys are skip_serializing and absent; other secrets, such as
//     wal.sasl.password or a DSN in store_addrs, are served in clear.
// The "node" probe checks health and version, "node-drift" compares
// /config with the file's effective values. Both only read.

// nodeMaxBody bounds what is read from a node's HTTP endpoint.
const nodeMaxBody = 4 << 20

// nodeTargets lists the running-node probes of f when Options.Nodes
// or NodesAuto is set.
func nodeTargets(f *configs.File, opts Options) []Target {
	if !opts.Nodes && !opts.NodesAuto {
		return nil
	}
	addr, base := nodeBase(f)
	pos := probePos(f, "http.addr", "http")
	return []Target{
		{Kind: "node", Name: "node " + addr, Key: "http.addr", Addr: base, Index: -1, Section: "http", Pos: pos},
		{Kind: "node-drift", Name: "config drift of node " + addr, Key: "http.addr", Addr: base, Index: -1, Section: "http", Pos: pos},
	}
}

// nodeBase returns the address the node of f is reached at (its
// NodeAddr, else http.addr) and its base URL; the URL is "" when the
// address is not host:port.
func nodeBase(f *configs.File) (addr, base string) {
	addr = probeString(f, "http.addr", "127.0.0.1:4000")
	if f.NodeAddr != "" {
		addr = f.NodeAddr
	}
	host, port, err := net.SplitHostPort(strings.TrimSpace(addr))
	if err != nil {
		return addr, ""
	}
	if host == "" || configs.IsUnspecifiedHost(host) {
		// A wildcard listen address is reached on this host.
		host = "127.0.0.1"
	}
	return addr, "http://" + net.JoinHostPort(host, port)
}

// NodeVersionSource starts the Source of a release read from a running
// node's /status (run judges a node's config by it when none was chosen).
const NodeVersionSource = "the running node at "

// NodeVersion asks the running node of f for its version (GET /status)
// within timeout. ok is false when no GreptimeDB node answers; the
// version is raw server text, for configs.VersionFromTag.
func NodeVersion(ctx context.Context, f *configs.File, timeout time.Duration) (version, addr string, ok bool) {
	addr, base := nodeBase(f)
	if base == "" {
		return "", addr, false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := nodeGet(ctx, base, "/status")
	if err != nil {
		return "", addr, false
	}
	var st nodeStatus
	if json.Unmarshal(body, &st) != nil || strings.TrimSpace(st.Version) == "" {
		return "", addr, false
	}
	return st.Version, addr, true
}

// nodeGet fetches path from a node and returns the body of a 200 answer.
func nodeGet(ctx context.Context, base, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return nil, configErrorf("http.addr does not give a usable URL: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, nodeMaxBody))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &nodeStatusError{path: path, code: resp.StatusCode}
	}
	return body, nil
}

type nodeStatusError struct {
	path string
	code int
}

func (e *nodeStatusError) Error() string {
	return fmt.Sprintf("GET %s answered HTTP %d", e.path, e.code)
}

// nodeStatus is the JSON of GET /status.
type nodeStatus struct {
	Commit   string `json:"commit"`
	Branch   string `json:"branch"`
	Rustc    string `json:"rustc_version"`
	Hostname string `json:"hostname"`
	Version  string `json:"version"`
}

// ProbeNode checks that the node at http.addr is up (/health) and runs
// the chosen GreptimeDB version (/status).
func ProbeNode(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		if t.Addr == "" {
			r.fail(ClassConfig, "write http.addr as host:port", "http.addr is not host:port")
			return
		}
		if _, err := nodeGet(ctx, t.Addr, "/health"); err != nil {
			if !t.Opts.Nodes {
				// Automatic (run): whatever is, or is not, at the
				// address, it is not a GreptimeDB node to check.
				r.skip("no GreptimeDB node answers at %s (%s); node checks skipped (--nodes makes this a failure)", t.Addr, probeErrText(err))
				return
			}
			class, sug := classify(err)
			var se *nodeStatusError
			if errors.As(err, &se) {
				class, sug = ClassUnhealthy, "the node's HTTP server answers but /health does not: check its log"
			}
			r.fail(class, sug, "node at %s is not healthy: %s", t.Addr, probeErrText(err))
			return
		}
		body, err := nodeGet(ctx, t.Addr, "/status")
		var st nodeStatus
		if err == nil {
			err = json.Unmarshal(body, &st)
		}
		if err != nil {
			r.warn("check http.addr points at a GreptimeDB node", "node at %s is healthy but /status did not answer as GreptimeDB: %s", t.Addr, probeErrText(err))
			return
		}
		ver := sanitizeNodeText(st.Version)
		facts := []string{"version " + ver}
		if st.Commit != "" {
			facts = append(facts, "commit "+sanitizeNodeText(shortCommit(st.Commit)))
		}
		if st.Hostname != "" {
			facts = append(facts, "host "+sanitizeNodeText(st.Hostname))
		}
		if f := t.File; t.Opts.GreptimeDBVersion == "" && f != nil && f.Version != nil && strings.HasPrefix(f.Version.Source, NodeVersionSource) {
			facts = append(facts, "its config judged by the schema of "+f.Version.Name)
		}
		r.pass("node at %s is healthy: %s", t.Addr, strings.Join(facts, ", "))
		if want := t.Opts.GreptimeDBVersion; want != "" && !sameVersion(want, st.Version) {
			r.warn("roll the node out to the chosen version, or check --greptimedb-version",
				"the node runs %s, not the chosen GreptimeDB %s", ver, sanitizeNodeText(want))
		}
	})
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// sameVersion compares versions with or without a leading "v".
func sameVersion(a, b string) bool {
	norm := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(strings.ToLower(s)), "v") }
	return norm(a) == norm(b)
}

// sanitizeNodeText keeps text a server sent printable on one line
// (internal/textsafe) and short.
func sanitizeNodeText(s string) string { return textsafe.Line(nodeShort(s)) }

// nodeShort cuts text a server sent to 200 characters.
func nodeShort(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + "..."
	}
	return s
}

// ProbeNodeDrift compares the node's /config with the values the file
// (and the environment) set. Every differing key is drift, reported with
// the file:line of the key; secrets are compared by hash and never shown.
func ProbeNodeDrift(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		if t.Addr == "" {
			r.fail(ClassConfig, "write http.addr as host:port", "http.addr is not host:port")
			return
		}
		body, err := nodeGet(ctx, t.Addr, "/config")
		if err != nil {
			if !t.Opts.Nodes {
				r.skip("no GreptimeDB node answers at %s (%s); drift not checked", t.Addr, probeErrText(err))
				return
			}
			class, sug := classify(err)
			var se *nodeStatusError
			if errors.As(err, &se) && se.code == http.StatusNotFound {
				class, sug = ClassNotFound, "this GreptimeDB version or listener does not serve /config; point http.addr at the node's main HTTP listener"
			}
			r.fail(class, sug, "cannot read the running config from %s: %s", t.Addr, probeErrText(err))
			return
		}
		drift, compared, absent, err := nodeDrift(t.File, body)
		if err != nil {
			r.fail(ClassProtocol, "check http.addr points at a GreptimeDB node", "node at %s served a /config that is not TOML: %s", t.Addr, probeErrText(err))
			return
		}
		if absent > compared {
			// Several configs may name the same address (every component
			// defaults to 127.0.0.1:4000): a node of another component
			// lacks most of the file's keys.
			msg := fmt.Sprintf("the node at %s serves %d of the file's keys and lacks %d: it is probably another component", t.Addr, compared, absent)
			if !t.Opts.Nodes {
				r.skip("%s; drift not checked", msg)
				return
			}
			r.warn("point http.addr at this component's node", "%s", msg)
			return
		}
		r.res.Metrics = append(r.res.Metrics, report.Metric{Name: "config_drift_keys", Value: float64(len(drift)), Unit: "count"})
		if len(drift) == 0 {
			r.pass("node at %s runs with the file's values (%d keys compared)", t.Addr, compared)
			return
		}
		r.res.Key, r.res.Pos = drift[0].key, drift[0].pos
		var parts []string
		for _, d := range drift {
			parts = append(parts, d.String())
		}
		msg := fmt.Sprintf("node at %s runs with %d values that differ from the file (%d keys compared): %s",
			t.Addr, len(drift), compared, strings.Join(parts, "; "))
		sug := "roll out the config (restart the node), or bring the file in line with what runs"
		if t.Opts.FailOnDrift {
			r.fail(ClassUnhealthy, sug, "%s", msg)
			return
		}
		r.warn(sug, "%s", msg)
	})
}

// nodeDriftKey is one key whose running value differs from the file's.
type nodeDriftKey struct {
	key        string
	pos        report.Position
	file, node string // empty for secrets
	origin     string // "env VAR" when the environment set the key
	secret     bool
}

func (d nodeDriftKey) String() string {
	where := fmt.Sprintf("%s:%d", filepath.Base(d.pos.File), d.pos.Line)
	if d.origin != "" {
		where = d.origin
	}
	if d.secret {
		return fmt.Sprintf("%s (%s) differs (secret, compared by hash)", d.key, where)
	}
	return fmt.Sprintf("%s (%s) is %s in the file, %s on the node", d.key, where, d.file, d.node)
}

// nodeDrift compares every key the file or the environment sets (and
// GreptimeDB reads) with the served TOML. Keys the node does not serve
// (skip_serializing secrets) are not compared.
func nodeDrift(f *configs.File, served []byte) (drift []nodeDriftKey, compared, absent int, err error) {
	running, err := configs.Load(f.Path+" (running)", served, f.Component)
	if err != nil {
		return nil, 0, 0, err
	}
	if running.SyntaxError != nil {
		return nil, 0, 0, running.SyntaxError
	}
	schema := configs.SchemaFor(f.Component)
	check := func(key string, fileVal any, pos report.Position, origin string) {
		sp := schema.Lookup(configs.SchemaKey(key))
		if sp == nil || sp.Kind == configs.KindTable || sp.Kind == configs.KindArrayTable || sp.Kind == configs.KindMap {
			return
		}
		nodeVal, ok := running.Get(key)
		if !ok {
			absent++
			return
		}
		compared++
		a, b := nodeNormalize(sp.Kind, fileVal), nodeNormalize(sp.Kind, nodeVal)
		d := nodeDriftKey{key: key, pos: pos, origin: origin}
		if sp.Secret || nodeHoldsSecret(fileVal) || nodeHoldsSecret(nodeVal) {
			// Secrets are compared by hash and only the fact is printed.
			if nodeHash(a) == nodeHash(b) {
				return
			}
			d.secret = true
		} else {
			if reflect.DeepEqual(a, b) {
				return
			}
			d.file, d.node = nodeShow(fileVal), nodeShow(nodeVal)
		}
		drift = append(drift, d)
	}
	for _, e := range f.Index().Entries() {
		if e.Header || strings.HasSuffix(e.Key, "]") {
			continue
		}
		if f.Env != nil {
			if _, over := f.Env.Values[e.Key]; over {
				continue // the environment wins; compared below
			}
		}
		if v, ok := f.EntryValue(e); ok {
			check(e.Key, v, f.ValuePos(e.Key), "")
		}
	}
	if f.Env != nil {
		for _, k := range f.Env.Keys() {
			ev := f.Env.Values[k]
			check(k, ev.Value, report.Position{File: f.Path}, "env "+ev.Var)
		}
	}
	return drift, compared, absent, nil
}

// nodeNormalize turns a value into a comparable form: durations and sizes
// by their meaning ("60s" equals "1m", "1GiB" equals "1024MiB"), numbers
// as float64, arrays element by element.
func nodeNormalize(kind configs.Kind, v any) any {
	switch kind {
	case configs.KindDuration:
		if s, ok := v.(string); ok {
			if d, err := configs.ParseDuration(s); err == nil {
				return "duration:" + d.String()
			}
		}
	case configs.KindSize:
		if n, err := configs.ParseSize(v); err == nil {
			return fmt.Sprintf("size:%d", n)
		}
	}
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = nodeNormalize(configs.KindAny, e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case int64:
		return float64(x)
	case int:
		return float64(x)
	}
	return v
}

// nodeHoldsSecret reports whether a value carries a credential (a DSN
// with a password, say), so that it is never printed.
func nodeHoldsSecret(v any) bool {
	switch x := v.(type) {
	case string:
		return redact.MaskValue(x) != x
	case []any:
		for _, e := range x {
			if nodeHoldsSecret(e) {
				return true
			}
		}
	}
	return false
}

func nodeHash(v any) [32]byte { return sha256.Sum256([]byte(fmt.Sprintf("%#v", v))) }

// nodeShow prints a non-secret value for a message, sanitised.
func nodeShow(v any) string {
	switch x := v.(type) {
	case string:
		// %q escapes what is not printable.
		return fmt.Sprintf("%q", nodeShort(x))
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = nodeShow(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return sanitizeNodeText(fmt.Sprint(v))
}
