package configs

import "strings"

// GreptimeDB's config layer (the config crate) reads a key as a path: a
// quoted key holding dots, `"mysql.reject_no_database" = true` at the top
// level, is applied as the nested key mysql.reject_no_database. SchemaKey
// looks such a key up as the nested one, so the schema's rules judge it as
// that key; its value is still read where it is written.

// plainDotted reports whether a quoted key is dotted bare-key parts
// ("mysql.reject_no_database"), which the config layer splits.
func plainDotted(k string) bool {
	if strings.HasPrefix(k, ".") || strings.HasSuffix(k, ".") || strings.Contains(k, "..") {
		return false
	}
	for _, r := range k {
		if !(r == '.' || r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// unquoteDotted rewrites quoted dotted parts of a canonical key as plain
// parts: `"mysql.reject_no_database"` -> `mysql.reject_no_database`.
func unquoteDotted(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); {
		if key[i] != '"' {
			b.WriteByte(key[i])
			i++
			continue
		}
		j := strings.IndexByte(key[i+1:], '"')
		if j < 0 {
			b.WriteString(key[i:])
			break
		}
		inner := key[i+1 : i+1+j]
		if strings.Contains(inner, ".") && plainDotted(inner) {
			b.WriteString(inner)
		} else {
			b.WriteString(key[i : i+2+j])
		}
		i += j + 2
	}
	return b.String()
}
