package kube

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Manifests is what one or more manifest files hold: GreptimeDBCluster
// resources (possibly rendered from Helm values) and the Secrets beside
// them.
type Manifests struct {
	Clusters []*Cluster
	// Secrets are the Secrets found in the files, by namespace/name
	// ("/name" when the manifest gives no namespace).
	Secrets map[string]*Secret
	// Ignored counts documents of other kinds.
	Ignored int
}

// ParseManifests reads one file of manifests: a multi-document YAML (or a
// JSON object) of GreptimeDBCluster resources, Secrets and Lists of them,
// or a values file of the greptimedb-cluster Helm chart. path is the name
// shown in findings.
func ParseManifests(path string, data []byte) (*Manifests, error) {
	m := &Manifests{Secrets: map[string]*Secret{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for n := 0; ; n++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("could not parse %q: %w", path, err)
		}
		if len(doc.Content) == 0 {
			continue // an empty document between two "---"
		}
		if err := m.addDocument(path, data, &doc); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// addDocument sorts one YAML document into clusters, Secrets or Helm
// values.
func (m *Manifests) addDocument(path string, src []byte, doc *yaml.Node) error {
	var obj map[string]any
	if err := doc.Decode(&obj); err != nil {
		// A top-level list or scalar is no manifest stepstone knows.
		m.Ignored++
		return nil
	}
	kind, _ := obj["kind"].(string)
	apiVersion, _ := obj["apiVersion"].(string)
	switch {
	case kind == Kind && strings.HasPrefix(apiVersion, Group+"/") && isAPIDump(src, obj):
		// The JSON the API server returned (`kubectl get -o json`, or the
		// --in-cluster Job's copy): its lines mean nothing to the user,
		// so fields are named as for a live cluster.
		c := NewRemoteCluster(obj)
		c.Secrets, c.ConfigMaps = nil, nil
		m.Clusters = append(m.Clusters, c)
	case kind == Kind && strings.HasPrefix(apiVersion, Group+"/"):
		c := &Cluster{
			Name:      getString(obj, "metadata.name"),
			Namespace: getString(obj, "metadata.namespace"),
			Object:    obj,
			Source:    path,
			loc:       newYAMLIndex(path, src, doc),
		}
		m.Clusters = append(m.Clusters, c)
	case kind == "Secret" && (apiVersion == "v1" || apiVersion == ""):
		s, err := secretFromObject(obj)
		if err != nil {
			return fmt.Errorf("could not read Secret %q in %q: %w", getString(obj, "metadata.name"), path, err)
		}
		s.Source = path
		m.Secrets[getString(obj, "metadata.namespace")+"/"+s.Name] = s
	case strings.HasSuffix(kind, "List"):
		// kubectl get -o yaml prints a List; its items have no lines of
		// their own worth pointing at beyond the item, so index the items
		// as documents of the same file.
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value != "items" {
				continue
			}
			for _, item := range root.Content[i+1].Content {
				if err := m.addDocument(path, src, &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{item}}); err != nil {
					return err
				}
			}
		}
	case kind == "" && apiVersion == "" && looksLikeValues(obj):
		c, secrets := valuesToCluster(path, src, doc.Content[0])
		m.Clusters = append(m.Clusters, c)
		for _, s := range secrets {
			m.Secrets["/"+s.Name] = s
		}
	default:
		m.Ignored++
	}
	return nil
}

// isAPIDump reports whether a resource is JSON as the API server returns
// it, with a uid.
func isAPIDump(src []byte, obj map[string]any) bool {
	return len(bytes.TrimSpace(src)) > 0 && bytes.TrimSpace(src)[0] == '{' && getString(obj, "metadata.uid") != ""
}

// looksLikeValues tells a greptimedb-cluster values file from other YAML:
// it has no kind, and sets at least one of the chart's component sections.
func looksLikeValues(obj map[string]any) bool {
	for _, k := range []string{"meta", "datanode", "frontend", "flownode", "objectStorage", "datanodeGroups", "frontendGroups", "remoteWal", "configMergeStrategy"} {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

// secretFromObject reads a Secret's data (base64) and stringData (plain),
// stringData winning as the API server merges them.
func secretFromObject(obj map[string]any) (*Secret, error) {
	s := &Secret{Name: getString(obj, "metadata.name"), State: SecretFound, Data: map[string][]byte{}}
	for k, v := range getMap(obj, "data") {
		str, _ := v.(string)
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(str))
		if err != nil {
			return nil, fmt.Errorf("data.%s is not base64: %w", k, err)
		}
		s.Data[k] = b
	}
	for k, v := range getMap(obj, "stringData") {
		if v == nil {
			s.Data[k] = nil
			continue
		}
		s.Data[k] = []byte(fmt.Sprint(v))
	}
	return s, nil
}

// Add appends the contents of o.
func (m *Manifests) Add(o *Manifests) {
	m.Clusters = append(m.Clusters, o.Clusters...)
	for k, s := range o.Secrets {
		m.Secrets[k] = s
	}
	m.Ignored += o.Ignored
}

// Resolve attaches the Secrets found in the manifests to the clusters that
// reference them: same name, and same namespace when both give one.
func (m *Manifests) Resolve() {
	for _, c := range m.Clusters {
		if c.Secrets == nil {
			c.Secrets = map[string]*Secret{}
		}
		for _, name := range c.SecretNames() {
			if _, ok := c.Secrets[name]; ok {
				continue
			}
			if s, ok := m.Secrets[c.Namespace+"/"+name]; ok {
				c.Secrets[name] = s
				continue
			}
			for key, s := range m.Secrets {
				ns, n, _ := strings.Cut(key, "/")
				if n == name && (ns == "" || c.Namespace == "") {
					c.Secrets[name] = s
					break
				}
			}
		}
	}
}
