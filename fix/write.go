package fix

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile replaces the file at path with data atomically: the bytes go
// to a temporary file in the same directory, which keeps the old file's
// mode and is renamed over it, so a reader (or a crash) sees either the
// old file or the new one, never half of each. A symlink is followed: the
// file it points at is replaced, and the link stays.
func WriteFile(path string, data []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".stepstone-*")
	if err != nil {
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	ok = true
	return nil
}
