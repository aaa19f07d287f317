// Package kube checks GreptimeDBCluster resources (greptime.io/v1alpha1) the
// way greptimedb-operator turns them into running components: the resource
// itself (storage providers, Secrets, removed fields), and each component's
// config after the operator merges its generated keys into it. Resources come
// from manifests in a repository (a GreptimeDBCluster, or a values file of the
// greptimedb-cluster Helm chart), with findings on the manifest's lines, or
// from a live cluster through client-go's dynamic client.
//
// Facts about the operator are from GreptimeTeam/greptimedb-operator at
// 3880f41 (after v0.6.0): apis/v1alpha1, pkg/dbconfig and
// cmd/initializer; see shared/greptime-configs/OPERATOR.md.
package kube

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// The resource stepstone reads.
const (
	Group    = "greptime.io"
	Version  = "v1alpha1"
	Kind     = "GreptimeDBCluster"
	Resource = "greptimedbclusters"
)

// Merge strategies of spec.configMergeStrategy.
const (
	InjectedDataFirst = "ConfigMergeStrategyInjectedDataFirst"
	OperatorFirst     = "ConfigMergeStrategyOperatorFirst"
)

// Cluster is one GreptimeDBCluster to check, with the Secrets and generated
// ConfigMaps found for it.
type Cluster struct {
	Name      string
	Namespace string
	// Object is the resource as unstructured content: apiVersion, kind,
	// metadata and spec, as decoded from YAML or JSON.
	Object map[string]any
	// Source names where the resource came from in reports: the manifest's
	// path, or "greptimedbcluster/NAME" for one read from the API server.
	Source string
	// Helm is set when the resource was rendered from a values file of the
	// greptimedb-cluster chart; Values holds that file's own findings.
	Helm bool
	// Secrets maps the names of the Secrets the resource references to what
	// is known of them.
	Secrets map[string]*Secret
	// ConfigMaps maps the names of the generated ConfigMaps to their
	// config.toml, when they were read.
	ConfigMaps map[string]*ConfigMap
	// Access lists what stepstone could not read (a forbidden Secret, a
	// missing ConfigMap), as WARN or SKIP results.
	Access []report.ProbeResult

	loc    locator
	extra  []report.Finding // findings made while reading (Helm values)
	remote bool             // an API object: fields are named, not lined
	live   bool             // read from the API server just now
}

// SecretState says what is known of a referenced Secret.
type SecretState int

// Secret states. Unknown means it was not among the manifests given, so its
// keys could not be checked.
const (
	SecretUnknown SecretState = iota
	SecretFound
	SecretNotFound
	SecretForbidden
)

// Secret is a referenced Secret. Data holds decoded values; it is never
// printed.
type Secret struct {
	Name  string
	State SecretState
	Data  map[string][]byte
	// Source says where it was found, for messages.
	Source string
	// Err is the API error for NotFound and Forbidden.
	Err error
	// values maps keys of a Secret the Helm chart creates to the values
	// entry that holds it.
	values map[string]valuesEntry
}

// valuesEntry is a key of a values file and where it stands.
type valuesEntry struct {
	name string
	pos  report.Position
}

// ConfigMap is a generated ConfigMap's config.toml.
type ConfigMap struct {
	Name  string
	Found bool
	Data  string
}

// Ref names the resource as kubectl does.
func (c *Cluster) Ref() string {
	if c.Namespace != "" && c.remote {
		return report.ResourcePrefix + c.Name + " -n " + c.Namespace
	}
	return report.ResourcePrefix + c.Name
}

// spec returns the resource's spec.
func (c *Cluster) spec() map[string]any {
	m, _ := c.Object["spec"].(map[string]any)
	return m
}

// get walks dotted path parts through maps and lists ("a", "b[1]", "c").
func get(obj any, path string) (any, bool) {
	cur := obj
	for _, part := range strings.Split(path, ".") {
		name, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			n, err := strconv.Atoi(part[i+1 : len(part)-1])
			if err != nil {
				return nil, false
			}
			name, idx = part[:i], n
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[name]; !ok {
			return nil, false
		}
		if idx >= 0 {
			l, ok := cur.([]any)
			if !ok || idx >= len(l) {
				return nil, false
			}
			cur = l[idx]
		}
	}
	return cur, true
}

// getMap returns the map at path, or nil.
func getMap(obj any, path string) map[string]any {
	v, _ := get(obj, path)
	m, _ := v.(map[string]any)
	return m
}

// getString returns the string at path; numbers and bools are rendered, as
// YAML authors often leave them unquoted.
func getString(obj any, path string) string {
	v, ok := get(obj, path)
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case map[string]any, []any:
		return ""
	}
	return fmt.Sprint(v)
}

// getInt returns the integer at path, or def.
func getInt(obj any, path string, def int64) int64 {
	v, _ := get(obj, path)
	if n, ok := configs.AsInt(v); ok {
		return n
	}
	return def
}

// getBool returns the bool at path, or def.
func getBool(obj any, path string, def bool) bool {
	v, _ := get(obj, path)
	if b, ok := configs.AsBool(v); ok {
		return b
	}
	return def
}

// getStrings returns the strings of the list at path.
func getStrings(obj any, path string) []string {
	v, _ := get(obj, path)
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		if e == nil {
			continue
		}
		out = append(out, fmt.Sprint(e))
	}
	return out
}

// set reports whether the field at path is present and not empty: YAML
// authors write `s3: {}` or `etcd:` to mean "not used".
func set(obj any, path string) bool {
	v, ok := get(obj, path)
	if !ok || v == nil {
		return false
	}
	switch x := v.(type) {
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	case string:
		return x != ""
	}
	return true
}

// Component is one generated config: a role, or one group of a role.
type Component struct {
	// Role is the operator's role name: meta, datanode, frontend, flownode.
	Role string
	// Group is the group's name for datanodeGroups and frontendGroups.
	Group string
	// Kind is the GreptimeDB component that reads the config.
	Kind configs.Component
	// Path is the component's spec path: "spec.datanode",
	// "spec.datanodeGroups[1]".
	Path string
	// Index is the position in datanodeGroups or frontendGroups, -1
	// outside them.
	Index int
}

// Label names the component in reports: "datanode", "datanode/read".
func (comp Component) Label() string {
	if comp.Group != "" {
		return comp.Role + "/" + comp.Group
	}
	return comp.Role
}

// ConfigMapName is the name of the ConfigMap the operator generates for the
// component: ResourceName(cluster, role, group) in controllers/common.
func (comp Component) ConfigMapName(cluster string) string {
	name := cluster + "-" + comp.Role
	if comp.Group != "" {
		name += "-" + comp.Group
	}
	return name
}

// Components lists the components the operator deploys for c, in the order
// meta, datanode(s), frontend(s), flownode.
func (c *Cluster) Components() []Component {
	s := c.spec()
	var out []Component
	if s["meta"] != nil {
		out = append(out, Component{Role: "meta", Kind: configs.Metasrv, Path: "spec.meta", Index: -1})
	}
	if s["datanode"] != nil {
		out = append(out, Component{Role: "datanode", Kind: configs.Datanode, Path: "spec.datanode", Index: -1})
	}
	for i := range listLen(s, "datanodeGroups") {
		p := fmt.Sprintf("datanodeGroups[%d]", i)
		out = append(out, Component{Role: "datanode", Group: getString(s, p+".name"), Kind: configs.Datanode, Path: "spec." + p, Index: i})
	}
	if s["frontend"] != nil {
		out = append(out, Component{Role: "frontend", Kind: configs.Frontend, Path: "spec.frontend", Index: -1})
	}
	for i := range listLen(s, "frontendGroups") {
		p := fmt.Sprintf("frontendGroups[%d]", i)
		out = append(out, Component{Role: "frontend", Group: getString(s, p+".name"), Kind: configs.Frontend, Path: "spec." + p, Index: i})
	}
	if s["flownode"] != nil {
		out = append(out, Component{Role: "flownode", Kind: configs.Flownode, Path: "spec.flownode", Index: -1})
	}
	return out
}

func listLen(obj any, path string) int {
	v, _ := get(obj, path)
	l, _ := v.([]any)
	return len(l)
}

// at returns the value at a spec path such as "spec.meta.config".
func (c *Cluster) at(path string) (any, bool) { return get(c.Object, path) }

func (c *Cluster) str(path string) string { return getString(c.Object, path) }

func (c *Cluster) isSet(path string) bool { return set(c.Object, path) }

// MergeStrategy returns spec.configMergeStrategy, defaulted as the operator
// does.
func (c *Cluster) MergeStrategy() string {
	if s := c.str("spec.configMergeStrategy"); s != "" {
		return s
	}
	return InjectedDataFirst
}

// objectStorageProviders lists the providers set under spec.objectStorage,
// in the order the operator (and the Helm chart) tries them.
func (c *Cluster) objectStorageProviders() []string {
	var out []string
	for _, p := range configs.OperatorProviders() {
		if c.isSet("spec.objectStorage." + p) {
			out = append(out, p)
		}
	}
	return out
}

// backendStorages lists the metadata backends set under
// spec.meta.backendStorage, in the operator's order.
func (c *Cluster) backendStorages() []string {
	var out []string
	for _, b := range []string{"etcd", "mysql", "postgresql"} {
		if c.isSet("spec.meta.backendStorage." + b) {
			out = append(out, b)
		}
	}
	return out
}

// secretRef is a Secret the resource names, the keys the operator reads from
// it, and the field that names it.
type secretRef struct {
	Name string
	Keys []string
	// Path is the field holding the name.
	Path string
	// What says what the Secret is for, in messages.
	What string
}

// secretRefs lists every Secret the operator reads for c, in a stable
// order: object storage, metadata backend, Kafka SASL, frontend TLS.
func (c *Cluster) secretRefs() []secretRef {
	var out []secretRef
	for _, p := range c.objectStorageProviders() {
		path := "spec.objectStorage." + p + ".secretName"
		if name := c.str(path); name != "" {
			out = append(out, secretRef{Name: name, Keys: operatorSecrets(p), Path: path, What: p + " credentials"})
		}
		break // only the first provider is used
	}
	for _, b := range []string{"mysql", "postgresql"} {
		path := "spec.meta.backendStorage." + b + ".credentialsSecretName"
		if name := c.str(path); name != "" && c.isSet("spec.meta.backendStorage."+b) {
			out = append(out, secretRef{Name: name, Keys: []string{"username", "password"}, Path: path, What: b + " credentials"})
		}
	}
	if name := c.str("spec.wal.kafka.sasl.secretRef.name"); name != "" {
		uk := c.str("spec.wal.kafka.sasl.secretRef.usernameKey")
		pk := c.str("spec.wal.kafka.sasl.secretRef.passwordKey")
		out = append(out, secretRef{Name: name, Keys: []string{uk, pk}, Path: "spec.wal.kafka.sasl.secretRef.name", What: "Kafka SASL credentials"})
	}
	for _, comp := range c.Components() {
		if comp.Role != "frontend" {
			continue
		}
		path := comp.Path + ".tls.secretName"
		if name := c.str(path); name != "" {
			out = append(out, secretRef{Name: name, Keys: []string{"tls.crt", "tls.key"}, Path: path, What: "frontend TLS certificate"})
		}
	}
	return out
}

// SecretNames lists the names of the Secrets the resource references.
func (c *Cluster) SecretNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range c.secretRefs() {
		if r.Name != "" && !seen[r.Name] {
			seen[r.Name] = true
			out = append(out, r.Name)
		}
	}
	sort.Strings(out)
	return out
}

// secret returns what is known of the Secret name.
func (c *Cluster) secret(name string) *Secret {
	if s, ok := c.Secrets[name]; ok {
		return s
	}
	return &Secret{Name: name, State: SecretUnknown}
}

// operatorSecrets are the keys the operator reads from the Secret of an
// object storage provider (apis/v1alpha1/constants.go,
// pkg/dbconfig/common.go).
func operatorSecrets(provider string) []string {
	b, _ := configs.BackendForOperator(provider)
	return b.OperatorSecrets
}
