package kube

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The --in-cluster Job gets the generated ConfigMaps and the referenced
// Secrets as volumes, one directory each, named after the object, with one
// file per key. The kubelet adds "..data" links and "..<timestamp>"
// directories beside the keys; they are skipped.

// ReadSecretDir adds the Secrets under dir (dir/<name>/<key>) to m. An
// empty directory is a Secret that does not exist: the Job mounts them as
// optional volumes, which the kubelet leaves empty.
func ReadSecretDir(dir string, m *Manifests) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("could not read Secrets from %q: %w", dir, err)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := readKeyDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("could not read Secret %q from %q: %w", e.Name(), dir, err)
		}
		s := &Secret{Name: e.Name(), State: SecretFound, Data: data, Source: dir}
		if len(data) == 0 {
			s.State = SecretNotFound
		}
		m.Secrets["/"+e.Name()] = s
	}
	return nil
}

// ReadConfigMapDir reads the generated ConfigMaps of c from
// dir/<name>/config.toml.
func ReadConfigMapDir(dir string, c *Cluster) error {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("could not read ConfigMaps from %q: %w", dir, err)
	}
	if c.ConfigMaps == nil {
		c.ConfigMaps = map[string]*ConfigMap{}
	}
	for _, comp := range c.Components() {
		name := comp.ConfigMapName(c.Name)
		b, err := os.ReadFile(filepath.Join(dir, name, "config.toml"))
		switch {
		case err == nil:
			c.ConfigMaps[name] = &ConfigMap{Name: name, Found: true, Data: string(b)}
		case errors.Is(err, fs.ErrNotExist):
			c.ConfigMaps[name] = &ConfigMap{Name: name}
		default:
			return fmt.Errorf("could not read ConfigMap %q: %w", name, err)
		}
	}
	return nil
}

// readKeyDir reads the files of one mounted object.
func readKeyDir(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	data := map[string][]byte{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		st, err := os.Stat(p) // keys are links into ..data
		if err != nil || st.IsDir() {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		data[e.Name()] = b
	}
	return data, nil
}
