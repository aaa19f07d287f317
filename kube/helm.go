package kube

import (
	"encoding/base64"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// The greptimedb-cluster chart (GreptimeTeam/helm-charts 96842fe, chart
// 0.8.30) renders one GreptimeDBCluster from its values in
// templates/cluster.yaml, and creates the credential Secrets in
// templates/*-secret.yaml. valuesToCluster does the same for the fields
// stepstone checks, but builds the resource out of the values file's own
// YAML nodes, so that every finding points at the line of the values file
// that set it.

// helmReleaseName stands in for the release name, which a values file does
// not give.
const helmReleaseName = "greptimedb"

// synth builds a resource's YAML tree out of nodes of another file.
type synth struct {
	root *yaml.Node
	// display maps resource paths to the values paths they came from, for
	// messages: "spec.meta.config" -> "meta.configData".
	display map[string]string
}

func newSynth() *synth {
	return &synth{root: &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, display: map[string]string{}}
}

// lookup returns the key and value nodes at a dotted values path.
func lookup(n *yaml.Node, path string) (key, val *yaml.Node) {
	cur := n
	for _, part := range strings.Split(path, ".") {
		if cur == nil || cur.Kind != yaml.MappingNode {
			return nil, nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(cur.Content); i += 2 {
			if cur.Content[i].Value == part {
				key, next = cur.Content[i], cur.Content[i+1]
			}
		}
		if next == nil {
			return nil, nil
		}
		if next.Kind == yaml.AliasNode && next.Alias != nil {
			next = next.Alias
		}
		cur = next
	}
	return key, cur
}

// empty reports whether a values node means "not set": null, {}, [] or "".
func empty(n *yaml.Node) bool {
	if n == nil {
		return true
	}
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		return len(n.Content) == 0
	case yaml.ScalarNode:
		return n.Tag == "!!null" || (n.Value == "" && n.Style == 0) || (n.Tag == "!!str" && n.Value == "")
	}
	return false
}

// truthy follows Go templates' notion of true for `{{ if .Values.x }}`.
func truthy(n *yaml.Node) bool {
	if empty(n) {
		return false
	}
	if n.Kind == yaml.ScalarNode {
		switch n.Tag {
		case "!!bool":
			return n.Value == "true"
		case "!!int", "!!float":
			return strings.Trim(n.Value, "0.+-") != ""
		}
	}
	return true
}

// put places val at a resource path, creating the mappings on the way. The
// key node is a copy of key renamed, so it keeps key's position.
func (s *synth) put(path string, key, val *yaml.Node, from string) {
	parts := strings.Split(path, ".")
	cur := s.root
	for i, part := range parts {
		last := i == len(parts)-1
		var next *yaml.Node
		for j := 0; j+1 < len(cur.Content); j += 2 {
			if cur.Content[j].Value == part {
				next = cur.Content[j+1]
				if last {
					cur.Content[j+1] = val
				}
			}
		}
		if next == nil {
			k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: part}
			if key != nil {
				k.Line, k.Column = key.Line, key.Column
			}
			next = val
			if !last {
				next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: k.Line, Column: k.Column}
			}
			cur.Content = append(cur.Content, k, next)
		}
		cur = next
	}
	if from != "" {
		s.display[path] = from
	}
}

// copy puts the values node at from at path, when the values set it.
func (s *synth) copy(values *yaml.Node, from, path string) bool {
	k, v := lookup(values, from)
	if empty(v) {
		return false
	}
	s.put(path, k, v, from)
	return true
}

// scalar makes a string node positioned at at.
func scalar(value string, at *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
	if at != nil {
		n.Line, n.Column = at.Line, at.Column
	}
	return n
}

// enabled reads a component's `enabled` flag, which defaults to true in
// the chart's values.yaml for frontend, datanode and flownode.
func enabled(values *yaml.Node, section string) bool {
	_, v := lookup(values, section+".enabled")
	if v == nil {
		return true
	}
	return truthy(v)
}

// valuesToCluster renders the resource (and the chart's credential
// Secrets) from a values file.
func valuesToCluster(path string, src []byte, values *yaml.Node) (*Cluster, []*Secret) {
	s := newSynth()
	s.put("apiVersion", nil, scalar(Group+"/"+Version, nil), "")
	s.put("kind", nil, scalar(Kind, nil), "")
	s.put("metadata.name", nil, scalar(helmReleaseName, nil), "")
	var secrets []*Secret
	var extra []report.Finding

	// Each component: config from configData, plus the fields the template
	// copies. configFile names a file inside the chart, which a values file
	// alone does not carry.
	section := func(name string) {
		k, _ := lookup(values, name)
		if k == nil {
			// A values file that leaves the section out gets the chart's
			// defaults: an empty component.
			k = &yaml.Node{}
		}
		s.put("spec."+name, k, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: k.Line, Column: k.Column}, name)
		s.copy(values, name+".configData", "spec."+name+".config")
		s.display["spec."+name+".config"] = name + ".configData"
		if fk, fv := lookup(values, name+".configFile"); !empty(fv) {
			extra = append(extra, report.Finding{
				Rule: ruleHelmConfigFile.ID, Severity: ruleHelmConfigFile.Severity, Key: name + ".configFile",
				Message:    name + ".configFile names " + quote(fv.Value) + " inside the chart, which was not checked",
				Suggestion: ruleHelmConfigFile.Help,
				Pos:        report.Position{File: path, Line: fk.Line, Col: fk.Column},
			})
		}
		s.copy(values, name+".logging", "spec."+name+".logging")
		if _, v := lookup(values, name+".tracing.enabled"); truthy(v) {
			s.copy(values, name+".tracing", "spec."+name+".tracing")
		}
	}
	if enabled(values, "frontend") {
		section("frontend")
		s.copy(values, "frontend.tls", "spec.frontend.tls")
		s.copy(values, "frontend.enableObjectStorage", "spec.frontend.enableObjectStorage")
		s.copy(values, "slowQuery", "spec.frontend.slowQuery")
	}
	if k, v := helmImage(values); v != nil {
		s.put("spec.base.main.image", k, v, "image.tag")
	}
	section("meta")
	s.copy(values, "meta.enableRegionFailover", "spec.meta.enableRegionFailover")
	// Fields the chart dropped (#368); kept so that the removed-field rule
	// points at them.
	for _, old := range []string{"etcdEndpoints", "storeKeyPrefix", "enableCheckEtcdService"} {
		s.copy(values, "meta."+old, "spec.meta."+old)
	}
	if s.copy(values, "meta.backendStorage.etcd.endpoints", "spec.meta.backendStorage.etcd.endpoints") {
		s.copy(values, "meta.backendStorage.etcd.storeKeyPrefix", "spec.meta.backendStorage.etcd.storeKeyPrefix")
	}
	for _, db := range []string{"mysql", "postgresql"} {
		base := "meta.backendStorage." + db
		k, v := lookup(values, base)
		if empty(v) {
			continue
		}
		spec := "spec." + base
		s.put(spec, k, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: k.Line, Column: k.Column}, base)
		for _, f := range []string{"host", "port", "database", "table", "electionLockID"} {
			if db == "mysql" && f == "electionLockID" {
				continue
			}
			s.copy(values, base+"."+f, spec+"."+f)
		}
		// The chart names the Secret: an existing one, else the one it
		// creates from credentials.username and password.
		ck, _ := lookup(values, base+".credentials")
		if ek, ev := lookup(values, base+".credentials.existingSecretName"); !empty(ev) {
			s.put(spec+".credentialsSecretName", ek, ev, base+".credentials.existingSecretName")
			continue
		}
		name := "meta-" + db + "-credentials"
		nk, nv := lookup(values, base+".credentials.secretName")
		if !empty(nv) {
			name = nv.Value
		} else {
			nk, nv = ck, scalar(name, ck)
		}
		if ck == nil {
			continue // no credentials: the template writes an empty name
		}
		s.put(spec+".credentialsSecretName", nk, nv, base+".credentials.secretName")
		sec := &Secret{Name: name, State: SecretFound, Source: path, Data: map[string][]byte{}, values: map[string]valuesEntry{}}
		for _, f := range []string{"username", "password"} {
			if k, v := lookup(values, base+".credentials."+f); v != nil && v.Kind == yaml.ScalarNode {
				sec.Data[f] = []byte(v.Value)
				sec.values[f] = valuesEntry{base + ".credentials." + f, report.Position{File: path, Line: k.Line, Col: k.Column}}
			}
		}
		secrets = append(secrets, sec)
	}
	if enabled(values, "datanode") {
		section("datanode")
		s.copy(values, "datanode.storage.dataHome", "spec.datanode.storage.dataHome")
	}
	if enabled(values, "flownode") {
		section("flownode")
	}
	s.copy(values, "frontendGroups", "spec.frontendGroups")
	s.copy(values, "datanodeGroups", "spec.datanodeGroups")
	s.copy(values, "configMergeStrategy", "spec.configMergeStrategy")
	s.copy(values, "logging", "spec.logging")
	if _, v := lookup(values, "tracing.enabled"); truthy(v) {
		s.copy(values, "tracing", "spec.tracing")
	}

	// Object storage: the template renders only the first provider set
	// (s3, oss, gcs, azblob) but all are kept here, so the rule can say
	// which ones the chart drops.
	for _, p := range configs.OperatorProviders() {
		from := "objectStorage." + p
		if !s.copy(values, from, "spec."+from) {
			continue
		}
		ck, cv := lookup(values, "objectStorage.credentials")
		if empty(cv) {
			continue
		}
		if ek, ev := lookup(values, "objectStorage.credentials.existingSecretName"); !empty(ev) {
			s.put("spec."+from+".secretName", ek, ev, "objectStorage.credentials.existingSecretName")
			continue
		}
		name := "storage-credentials"
		nk, nv := lookup(values, "objectStorage.credentials.secretName")
		if !empty(nv) {
			name = nv.Value
		} else {
			nk, nv = ck, scalar(name, ck)
		}
		s.put("spec."+from+".secretName", nk, nv, "objectStorage.credentials.secretName")
		if sec := chartStorageSecret(values, name, path); sec != nil && !hasSecret(secrets, name) {
			secrets = append(secrets, sec)
		}
	}
	s.copy(values, "objectStorage.cache", "spec.objectStorage.cache")
	if _, v := lookup(values, "remoteWal.enabled"); truthy(v) {
		s.copy(values, "remoteWal.kafka", "spec.wal.kafka")
	}
	if _, v := lookup(values, "dedicatedWAL.enabled"); truthy(v) {
		s.copy(values, "dedicatedWAL.raftEngine", "spec.wal.raftEngine")
	}

	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{s.root}}
	var obj map[string]any
	_ = doc.Decode(&obj) // built from nodes that decoded once already
	c := &Cluster{
		Name:   helmReleaseName,
		Object: obj,
		Source: path,
		Helm:   true,
		loc: &valuesLocator{yamlIndex: newYAMLIndex(path, src, doc), display: s.display,
			raw: newYAMLIndex(path, src, &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{values}})},
		extra: append(extra, helmRemovedKeys(path, values)...),
	}
	return c, secrets
}

func hasSecret(ss []*Secret, name string) bool {
	for _, s := range ss {
		if s.Name == name {
			return true
		}
	}
	return false
}

// chartStorageSecret is the Secret templates/object-storage-secret.yaml
// creates from objectStorage.credentials.
func chartStorageSecret(values *yaml.Node, name, path string) *Secret {
	sec := &Secret{Name: name, State: SecretFound, Source: path, Data: map[string][]byte{}, values: map[string]valuesEntry{}}
	at := func(key, from string, k *yaml.Node) {
		sec.values[key] = valuesEntry{"objectStorage.credentials." + from, report.Position{File: path, Line: k.Line, Col: k.Column}}
	}
	if k, v := lookup(values, "objectStorage.credentials.serviceAccountKey"); !empty(v) {
		at("service-account-key", "serviceAccountKey", k)
		// Written under data:, so the value is base64 of the JSON key.
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v.Value))
		if err != nil {
			b = []byte(v.Value)
		}
		sec.Data["service-account-key"] = b
		return sec
	}
	for from, key := range map[string]string{
		"accessKeyId": "access-key-id", "secretAccessKey": "secret-access-key", "accessKeySecret": "access-key-secret",
		"accountName": "account-name", "accountKey": "account-key",
	} {
		if k, v := lookup(values, "objectStorage.credentials."+from); !empty(v) {
			sec.Data[key] = []byte(v.Value)
			at(key, from, k)
		}
	}
	return sec
}

// helmRemovedKeys reports values keys that the chart no longer reads
// (OPERATOR.md, chart history): the chart ignores them silently.
func helmRemovedKeys(path string, values *yaml.Node) []report.Finding {
	moved := map[string]string{
		"frontends":      "frontendGroups (chart #278)",
		"storage.s3":     "objectStorage.s3 (chart #112)",
		"storage.oss":    "objectStorage.oss (chart #112)",
		"storage.gcs":    "objectStorage.gcs (chart #112)",
		"storage.azblob": "objectStorage.azblob (chart #112)",
	}
	keys := make([]string, 0, len(moved))
	for k := range moved {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []report.Finding
	for _, k := range keys {
		kn, v := lookup(values, k)
		if empty(v) {
			continue
		}
		out = append(out, report.Finding{
			Rule: ruleRemovedField.ID, Severity: ruleRemovedField.Severity, Key: k,
			Message:    k + " is no longer read by the greptimedb-cluster chart: it moved to " + moved[k],
			Suggestion: "move the settings to " + strings.Fields(moved[k])[0],
			Pos:        report.Position{File: path, Line: kn.Line, Col: kn.Column},
		})
	}
	return out
}

// valuesLocator is a yamlIndex that names fields by their values path.
type valuesLocator struct {
	*yamlIndex
	display map[string]string
	// raw indexes the values file itself, for fields the chart leaves
	// out of the resource when they are empty (`etcd: {}`).
	raw *yamlIndex
}

// Field prefers the resource's field; one the chart left out is looked up
// under its values name.
func (v *valuesLocator) Field(path string) report.Position {
	if !v.yamlIndex.Has(path) && v.raw.Has(v.name(path)) {
		return v.raw.Field(v.name(path))
	}
	return v.yamlIndex.Field(path)
}

// name returns the values path a resource path came from, by the longest
// known prefix: "spec.objectStorage.s3.bucket" -> "objectStorage.s3.bucket".
func (v *valuesLocator) name(path string) string {
	for p := path; p != ""; p = parentPath(p) {
		if from, ok := v.display[p]; ok {
			return from + path[len(p):]
		}
	}
	return strings.TrimPrefix(path, "spec.")
}

// fieldName names a field in messages: the resource path for a resource,
// the values path for a values file.
func (c *Cluster) fieldName(path string) string {
	if v, ok := c.loc.(*valuesLocator); ok {
		return v.name(path)
	}
	return path
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
