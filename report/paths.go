package report

import (
	"path/filepath"
	"strings"
)

// RepoPath returns file relative to root with forward slashes, as SARIF and
// GitHub annotations want it, and whether it is relative. A relative file
// is taken as relative to the current directory and then to root; when that
// leads outside root it is kept as given, since GitHub runs actions in the
// workspace. An empty root keeps file as given. "" and "<stdin>" give "".
func RepoPath(root, file string) (string, bool) {
	if file == "" || file == "<stdin>" || file == "-" {
		return "", false
	}
	if root == "" {
		return filepath.ToSlash(filepath.Clean(file)), !filepath.IsAbs(file)
	}
	abs := file
	if !filepath.IsAbs(abs) {
		a, err := filepath.Abs(file)
		if err != nil {
			return filepath.ToSlash(filepath.Clean(file)), true
		}
		abs = a
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		if !filepath.IsAbs(file) {
			return filepath.ToSlash(filepath.Clean(file)), true
		}
		return filepath.ToSlash(abs), false
	}
	return filepath.ToSlash(rel), true
}
