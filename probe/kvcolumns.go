package probe

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// The metadata table GreptimeDB creates is (k PRIMARY KEY, v): in MySQL
// k VARBINARY(3072) and v BLOB, in PostgreSQL both bytea. A DBA may create
// it in advance with other column types; GreptimeDB only reads and writes
// bytes, so what matters is the kind of the column (binary, not text or a
// number) and how many bytes it holds, not how the type is spelled.

// kvDialect names the SQL backend whose column types are judged.
type kvDialect int

const (
	kvMySQL kvDialect = iota
	kvPostgres
)

// GreptimeDB's own column types and what they hold.
const (
	mysqlKeyType   = "varbinary(3072)"
	mysqlKeyBytes  = 3072
	mysqlValueType = "blob"
	// mysqlBlobBytes is what a MySQL BLOB holds: 64 KiB less one byte.
	mysqlBlobBytes = 1<<16 - 1
	pgKVType       = "bytea"
)

// kvVerdict is what judgeKVColumns concluded. Problem means the table is
// not usable as GreptimeDB's metadata table (a FAIL); Narrow says which
// keys or values would not fit (a WARN).
type kvVerdict struct {
	Problem string
	Narrow  []string
}

// mysqlBinaryRE matches MySQL's binary column types as COLUMN_TYPE spells
// them: varbinary(n), binary(n), tinyblob, blob, mediumblob, longblob.
var mysqlBinaryRE = regexp.MustCompile(`^(varbinary|binary)\((\d+)\)$|^(tinyblob|blob|mediumblob|longblob)$`)

// mysqlBlobCapacity is how many bytes each MySQL BLOB type holds.
var mysqlBlobCapacity = map[string]uint64{
	"tinyblob":   1<<8 - 1,
	"blob":       1<<16 - 1,
	"mediumblob": 1<<24 - 1,
	"longblob":   1<<32 - 1,
}

// mysqlBinaryKind returns the kind ("varbinary", "binary", "blob") and
// capacity in bytes of a MySQL column type, or ok false when the column
// does not hold bytes.
func mysqlBinaryKind(typ string) (kind string, capacity uint64, ok bool) {
	m := mysqlBinaryRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(typ)))
	if m == nil {
		return "", 0, false
	}
	if m[1] != "" {
		n, err := strconv.ParseUint(m[2], 10, 64)
		if err != nil {
			return "", 0, false
		}
		return m[1], n, true
	}
	return "blob", mysqlBlobCapacity[m[3]], true
}

// judgeKVColumns compares a metadata table's columns with the layout
// GreptimeDB creates. maxValue is procedure.max_metadata_value_size in
// bytes (0: unset, GreptimeDB's own BLOB is then the reference).
func judgeKVColumns(cols []pgColumn, d kvDialect, maxValue uint64) kvVerdict {
	kType, vType := mysqlKeyType, mysqlValueType
	if d == kvPostgres {
		kType, vType = pgKVType, pgKVType
	}
	byName := map[string]pgColumn{}
	for _, c := range cols {
		byName[strings.ToLower(c.Name)] = c
	}
	k, hasK := byName["k"]
	v, hasV := byName["v"]
	if !hasK || !hasV {
		var names []string
		for _, c := range cols {
			names = append(names, c.Name)
		}
		return kvVerdict{Problem: fmt.Sprintf("it has columns (%s), want (k %s primary key, v %s)", strings.Join(names, ", "), kType, vType)}
	}
	if !k.Primary {
		return kvVerdict{Problem: "column k is not the primary key"}
	}
	if d == kvPostgres {
		// bytea is PostgreSQL's only binary type, and holds up to 1 GB.
		for _, c := range []pgColumn{k, v} {
			if !strings.EqualFold(strings.TrimSpace(c.Type), pgKVType) {
				return kvVerdict{Problem: fmt.Sprintf("column %s is %s, not a binary type (want bytea)", strings.ToLower(c.Name), c.Type)}
			}
		}
		return kvVerdict{}
	}

	var out kvVerdict
	kKind, kCap, ok := mysqlBinaryKind(k.Type)
	switch {
	case !ok:
		return kvVerdict{Problem: fmt.Sprintf("column k is %s, not a binary type (want %s or wider)", k.Type, kType)}
	case kKind == "binary":
		// BINARY pads every key with zero bytes to its width, so a key
		// read back is not the key written and prefix scans break.
		return kvVerdict{Problem: fmt.Sprintf("column k is %s, which pads keys with zero bytes (want %s)", k.Type, kType)}
	case kKind == "blob":
		out.Narrow = append(out.Narrow, fmt.Sprintf("column k is %s: a primary key on a BLOB indexes only a prefix, so keys that share it collide (GreptimeDB uses %s)", k.Type, kType))
	case kCap < mysqlKeyBytes:
		out.Narrow = append(out.Narrow, fmt.Sprintf("column k is %s: keys longer than %d bytes would not fit (GreptimeDB allows %d)", k.Type, kCap, mysqlKeyBytes))
	}

	vKind, vCap, ok := mysqlBinaryKind(v.Type)
	switch {
	case !ok:
		return kvVerdict{Problem: fmt.Sprintf("column v is %s, not a binary type (want %s or wider)", v.Type, vType)}
	case vKind == "binary":
		return kvVerdict{Problem: fmt.Sprintf("column v is %s, which pads values with zero bytes (want %s or wider)", v.Type, vType)}
	}
	need := uint64(mysqlBlobBytes)
	if maxValue > need {
		need = maxValue
	}
	if vCap < need {
		why := fmt.Sprintf("GreptimeDB's own %s holds %s", vType, report.FormatBytes(mysqlBlobBytes))
		if maxValue > mysqlBlobBytes {
			why = fmt.Sprintf("procedure.max_metadata_value_size allows %s", report.FormatBytes(int64(min(maxValue, 1<<62))))
		}
		out.Narrow = append(out.Narrow, fmt.Sprintf("column v is %s: metadata values longer than %s would not fit (%s)", v.Type, report.FormatBytes(int64(vCap)), why))
	}
	return out
}

// maxMetadataValueSize returns procedure.max_metadata_value_size in bytes,
// or 0 when it is unset or does not parse (a static rule reports that).
func maxMetadataValueSize(f *configs.File) uint64 {
	if f == nil {
		return 0
	}
	v, _, ok := f.Lookup("procedure.max_metadata_value_size")
	if !ok {
		return 0
	}
	n, err := configs.ParseSize(v)
	if err != nil {
		return 0
	}
	return n
}
