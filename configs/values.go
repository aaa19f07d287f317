package configs

import (
	"errors"
	"fmt"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// This file parses option values exactly as GreptimeDB does, so that a value
// stepstone accepts is one the server accepts and the other way round. Each
// parser names the crate it mirrors; the version is the one in GreptimeDB's
// Cargo.lock at the commit SCHEMA.md names.

// durationUnits maps humantime 2.2.0 unit spellings to their length. They are
// case-sensitive: "M" is months and "m" minutes, "10S" is an error. See
// parse_unit in humantime's src/duration.rs (v2.2.0).
var durationUnits = map[string]struct{ sec, nsec uint64 }{
	"nanos": {0, 1}, "nsec": {0, 1}, "ns": {0, 1},
	"usec": {0, 1_000}, "us": {0, 1_000},
	"millis": {0, 1_000_000}, "msec": {0, 1_000_000}, "ms": {0, 1_000_000},
	"seconds": {1, 0}, "second": {1, 0}, "secs": {1, 0}, "sec": {1, 0}, "s": {1, 0},
	"minutes": {60, 0}, "minute": {60, 0}, "mins": {60, 0}, "min": {60, 0}, "m": {60, 0},
	"hours": {3600, 0}, "hour": {3600, 0}, "hrs": {3600, 0}, "hr": {3600, 0}, "h": {3600, 0},
	"days": {86400, 0}, "day": {86400, 0}, "d": {86400, 0},
	"weeks": {604800, 0}, "week": {604800, 0}, "w": {604800, 0},
	"months": {2_630_016, 0}, "month": {2_630_016, 0}, "M": {2_630_016, 0}, // 30.44 days
	"years": {31_557_600, 0}, "year": {31_557_600, 0}, "y": {31_557_600, 0}, // 365.25 days
}

const durationHint = `write a whole number and a unit, such as "3s", "500ms" or "1h 30m"`

// ParseDuration parses a humantime duration (humantime 2.2.0 through
// humantime-serde, which every GreptimeDB duration option uses). Spans may
// follow each other with or without spaces ("1h 30m", "1h30m"); a number
// without a unit, a fraction or an unknown unit is an error, as it is for
// the server. Durations longer than Go can hold (about 292 years) are
// clamped to the largest time.Duration, because GreptimeDB accepts them.
func ParseDuration(s string) (time.Duration, error) {
	p := durationParser{src: s}
	secs, nsecs, err := p.parse()
	if err != nil {
		return 0, err
	}
	const maxSecs = uint64(math.MaxInt64 / int64(time.Second))
	if secs > maxSecs {
		return time.Duration(math.MaxInt64), nil
	}
	d := time.Duration(secs) * time.Second
	if d > time.Duration(math.MaxInt64)-time.Duration(nsecs) {
		return time.Duration(math.MaxInt64), nil
	}
	return d + time.Duration(nsecs), nil
}

// durationParser follows humantime's Parser state machine: a number may
// contain spaces ("1 0s" is ten seconds), the unit is the run of ASCII
// letters after it, and the next number may start right after the unit.
type durationParser struct {
	src         string
	pos         int
	secs, nsecs uint64
}

func (p *durationParser) next() (rune, bool) {
	if p.pos >= len(p.src) {
		return 0, false
	}
	r, size := utf8.DecodeRuneInString(p.src[p.pos:])
	p.pos += size
	return r, true
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// firstDigit skips spaces and returns the first digit, or ok=false at the end.
func (p *durationParser) firstDigit() (uint64, bool, error) {
	for {
		r, more := p.next()
		if !more {
			return 0, false, nil
		}
		switch {
		case r >= '0' && r <= '9':
			return uint64(r - '0'), true, nil
		case unicode.IsSpace(r):
			continue
		}
		return 0, false, p.errAt(p.pos-utf8.RuneLen(r), r, "expected a number")
	}
}

// errAt reports the character r found at byte offset off.
func (p *durationParser) errAt(off int, r rune, what string) error {
	switch {
	case r == '.':
		return fmt.Errorf("duration %q has a fraction, which is not accepted: write a whole number of a smaller unit, such as \"1500ms\" for 1.5s", p.src)
	case r == '-':
		return fmt.Errorf("duration %q is negative: %s", p.src, durationHint)
	}
	return fmt.Errorf("duration %q: %s at offset %d (%q): %s", p.src, what, off, string(r), durationHint)
}

func (p *durationParser) parse() (uint64, uint64, error) {
	n, ok, err := p.firstDigit()
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return 0, 0, fmt.Errorf("duration %q is empty: %s", p.src, durationHint)
	}
	for {
		// The rest of the number; spaces inside it are skipped.
		off := p.pos
		for {
			r, more := p.next()
			if !more {
				break
			}
			if r >= '0' && r <= '9' {
				if n > (math.MaxUint64-uint64(r-'0'))/10 {
					return 0, 0, p.tooLarge()
				}
				n = n*10 + uint64(r-'0')
			} else if unicode.IsSpace(r) {
				// skipped, as humantime does
			} else if isASCIILetter(r) {
				break
			} else {
				return 0, 0, p.errAt(off, r, "invalid character")
			}
			off = p.pos
		}
		// The unit: ASCII letters up to a digit, a space or the end.
		start := off
		end := p.pos
		nextNumber := false
		for {
			r, more := p.next()
			if !more {
				break
			}
			if r >= '0' && r <= '9' {
				if err := p.addUnit(n, start, end); err != nil {
					return 0, 0, err
				}
				n = uint64(r - '0')
				nextNumber = true
				break
			} else if unicode.IsSpace(r) {
				break
			} else if !isASCIILetter(r) {
				return 0, 0, p.errAt(end, r, "invalid character")
			}
			end = p.pos
		}
		if nextNumber {
			continue
		}
		if err := p.addUnit(n, start, end); err != nil {
			return 0, 0, err
		}
		n, ok, err = p.firstDigit()
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			return p.secs, p.nsecs, nil
		}
	}
}

// tooLarge mirrors humantime's NumberOverflow.
func (p *durationParser) tooLarge() error { return fmt.Errorf("duration %q is too large", p.src) }

func (p *durationParser) addUnit(n uint64, start, end int) error {
	unit := p.src[start:end]
	u, ok := durationUnits[unit]
	if !ok {
		if unit == "" {
			return fmt.Errorf("duration %q has no unit: time unit needed, for example %dsec or %dms", p.src, n, n)
		}
		return fmt.Errorf("duration %q has an unknown unit %q: use ns, us, ms, s, m, h, d, w, M (months) or y (units are case-sensitive)", p.src, unit)
	}
	sec, nsec := uint64(0), uint64(0)
	if u.sec > 0 {
		if n > math.MaxUint64/u.sec {
			return p.tooLarge()
		}
		sec = n * u.sec
	} else {
		if n > math.MaxUint64/u.nsec {
			return p.tooLarge()
		}
		nsec = n * u.nsec
	}
	if p.nsecs > math.MaxUint64-nsec {
		return p.tooLarge()
	}
	nsec += p.nsecs
	if nsec >= 1_000_000_000 {
		carry := nsec / 1_000_000_000
		if sec > math.MaxUint64-carry {
			return p.tooLarge()
		}
		sec += carry
		nsec %= 1_000_000_000
	}
	if p.secs > math.MaxUint64-sec {
		return p.tooLarge()
	}
	p.secs += sec
	p.nsecs = nsec
	return nil
}

// Size units of ReadableSize (GreptimeDB's src/common/base/src/readable_size.rs,
// copied from tikv raft-engine): all 1024-based, case-sensitive.
var sizeUnits = map[string]uint64{
	"": 1, "B": 1,
	"K": 1 << 10, "KB": 1 << 10, "KiB": 1 << 10,
	"M": 1 << 20, "MB": 1 << 20, "MiB": 1 << 20,
	"G": 1 << 30, "GB": 1 << 30, "GiB": 1 << 30,
	"T": 1 << 40, "TB": 1 << 40, "TiB": 1 << 40,
	"P": 1 << 50, "PB": 1 << 50, "PiB": 1 << 50,
}

const sizeUnitHint = "use B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB or P/PB/PiB (case-sensitive, all 1024-based)"

// ParseSize parses a ReadableSize: a TOML integer of bytes (not negative) or
// a string "<number><unit>". The number may have a fraction ("1.5GiB") and
// spaces may stand between it and the unit ("1 GB"). A negative string such
// as "-1MB" is accepted and saturates to 0, as in the server; see
// SizeIsNegativeString.
func ParseSize(v any) (uint64, error) {
	switch x := v.(type) {
	case string:
		return parseSizeString(x)
	case int64:
		if x < 0 {
			return 0, fmt.Errorf("size %d is negative: write a byte count of 0 or more, or a string such as \"64MB\"", x)
		}
		return uint64(x), nil
	case int:
		return ParseSize(int64(x))
	case uint64:
		return x, nil
	case float64:
		return 0, fmt.Errorf("size %v is a float: write a whole byte count or a string such as \"1.5GiB\"", x)
	}
	return 0, fmt.Errorf("size %v is %s: write a byte count or a string such as \"64MB\"", v, valueKind(v))
}

func parseSizeString(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("size %q is empty: write a number and a unit, such as \"64MB\"", s)
	}
	for i := 0; i < len(t); i++ {
		if t[i] >= 0x80 {
			return 0, fmt.Errorf("size %q has a non-ASCII character: write a number and a unit, such as \"64MB\"", s)
		}
	}
	// The number is the leading run of digits, '.', 'e', 'E', '-' and '+';
	// the unit is what follows, trimmed.
	i := 0
	for i < len(t) && strings.IndexByte("0123456789.eE-+", t[i]) >= 0 {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("size %q has an unknown unit %q: %s", s, unit, sizeUnitHint)
	}
	f, err := parseRustFloat(num)
	if err != nil {
		return 0, fmt.Errorf("size %q does not start with a number: write a number and a unit, such as \"512MB\"", s)
	}
	return saturateUint64(f * float64(mult)), nil
}

// parseRustFloat parses what Rust's f64::from_str accepts from the characters
// a size number may hold: an optional sign, digits with at most one '.', at
// least one digit, and an optional exponent with digits. Out-of-range
// values become infinities, as in Rust.
func parseRustFloat(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("empty number")
	}
	f, err := strconv.ParseFloat(s, 64)
	var ne *strconv.NumError
	if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
		return f, nil
	}
	return f, err
}

// saturateUint64 converts like Rust's `as u64`: NaN and negatives become 0,
// values beyond the range become the maximum.
func saturateUint64(f float64) uint64 {
	switch {
	case f != f || f <= 0:
		return 0
	case f >= 18446744073709551615.0:
		return math.MaxUint64
	}
	return uint64(f)
}

// SizeIsNegativeString reports whether s is a size string the server accepts
// but reads as 0 because its number is negative ("-1MB").
func SizeIsNegativeString(s string) bool {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "-") {
		return false
	}
	_, err := parseSizeString(s)
	return err == nil
}

const memoryLimitHint = `use "unlimited", a percentage from 0% to 100% such as "50%", or a size such as "2GB"`

// ParseMemoryLimit checks a MemoryLimit (query.memory_pool_size, mito
// scan_memory_limit, experimental_compaction_memory_limit): "unlimited" in any
// case, "N%" with N from 0 to 100, or a size string. It is read as a string
// only, so a TOML integer (memory_pool_size = 0) is rejected; write "0".
func ParseMemoryLimit(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("memory limit %v is %s, but it must be a string: %s (write \"0\" for no limit)", v, valueKind(v), memoryLimitHint)
	}
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "unlimited") {
		return nil
	}
	if pct, ok := strings.CutSuffix(t, "%"); ok {
		p := strings.TrimSpace(pct)
		// Rust's u8::from_str takes one leading '+'.
		digits := strings.TrimPrefix(p, "+")
		n, err := strconv.ParseUint(digits, 10, 8)
		if err != nil || digits == "" || digits[0] == '+' || digits[0] == '-' {
			return fmt.Errorf("memory limit %q has an invalid percentage: %s", s, memoryLimitHint)
		}
		if n > 100 {
			return fmt.Errorf("memory limit %q is above 100%%: %s", s, memoryLimitHint)
		}
		return nil
	}
	if _, err := parseSizeString(t); err != nil {
		return fmt.Errorf("memory limit %q is invalid: %s", s, memoryLimitHint)
	}
	return nil
}

// ParseIndexMemThreshold checks an index mem_threshold_on_create: "auto" or
// "unlimited" (lower case, serde unit variants) or a size, string or integer.
func ParseIndexMemThreshold(v any) error {
	if s, ok := v.(string); ok && (s == "auto" || s == "unlimited") {
		return nil
	}
	if _, err := ParseSize(v); err != nil {
		if s, ok := v.(string); ok {
			return fmt.Errorf("memory threshold %q is invalid: use \"auto\", \"unlimited\" or a size such as \"64MB\"", s)
		}
		return fmt.Errorf("memory threshold %v is invalid: use \"auto\", \"unlimited\" or a size such as \"64MB\"", v)
	}
	return nil
}

// ParseExhaustedPolicy checks an OnExhaustedPolicy
// (src/common/memory-manager/src/policy.rs): "wait" (10 seconds),
// "wait(<duration>)" or "fail", in any case; the legacy "skip" means "fail".
// The duration inside the parentheses is parsed as written, so its units
// keep their case.
func ParseExhaustedPolicy(s string) error {
	lower := strings.ToLower(s)
	switch {
	case lower == "fail" || lower == "skip" || lower == "wait":
		return nil
	case strings.HasPrefix(lower, "wait(") && strings.HasSuffix(lower, ")"):
		if _, err := ParseDuration(s[len("wait(") : len(s)-1]); err != nil {
			return fmt.Errorf("policy %q has a bad wait time: %w", s, err)
		}
		return nil
	}
	return fmt.Errorf("policy %q is invalid: use \"wait\", \"wait(<duration>)\" such as \"wait(30s)\", or \"fail\"", s)
}

// ParseAddr splits a configured "host:port" address. IPv6 hosts must be in
// brackets ("[fd00::1]:3002"): tonic and Rust's SocketAddr reject them bare
// (GreptimeDB issue #8220). The port must be 1 to 65535; port 0, which
// would mean "any free port" to a listener, is rejected because other nodes
// could not find it. The returned host has no brackets.
func ParseAddr(s string) (host string, port int, err error) {
	host, port, err = parseAddr(s)
	return host, port, redactAddrErr(s, err)
}

// addrPassword returns the password of an address written with user info
// ("http://user:secret@host:2379"), which messages must not repeat.
func addrPassword(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return ""
	}
	user := s[:at]
	if i := strings.Index(user, "://"); i >= 0 {
		user = user[i+3:]
	}
	_, pwd, _ := strings.Cut(user, ":")
	return pwd
}

// redactAddrErr hides the password of s in err's message.
func redactAddrErr(s string, err error) error {
	if err == nil {
		return nil
	}
	p := addrPassword(s)
	if p == "" {
		return err
	}
	// Messages quote addresses with %q, which escapes some characters.
	q := strconv.Quote(p)
	msg := strings.ReplaceAll(strings.ReplaceAll(err.Error(), p, redact.Mask), q[1:len(q)-1], redact.Mask)
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

func parseAddr(s string) (host string, port int, err error) {
	if s == "" {
		return "", 0, errors.New(`address is empty: write "host:port", such as "127.0.0.1:4001"`)
	}
	if i := strings.Index(s, "://"); i >= 0 {
		return "", 0, fmt.Errorf("address %q must not have a scheme: write %q", s, s[i+3:])
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return "", 0, fmt.Errorf("address %q has a space: write \"host:port\" with no spaces", s)
	}
	if strings.Contains(s, "@") {
		// Before the colon count: "user:pwd@host:port" is no IPv6 address.
		return "", 0, fmt.Errorf("address %q has a user part (user:password@), which GreptimeDB does not use: write only \"host:port\"", s)
	}
	var portStr string
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, fmt.Errorf("address %q has no closing bracket: write it as \"[fd00::1]:3002\"", s)
		}
		host = s[1:end]
		rest := s[end+1:]
		if rest == "" {
			return "", 0, fmt.Errorf("address %q has no port: write it as \"[%s]:<port>\"", s, host)
		}
		if rest[0] != ':' {
			return "", 0, fmt.Errorf("address %q has text after the bracket: write it as \"[%s]:<port>\"", s, host)
		}
		portStr = rest[1:]
		if a, perr := netip.ParseAddr(host); perr != nil || !a.Is6() {
			return "", 0, fmt.Errorf("address %q has brackets around %q, which is not an IPv6 address: brackets are only for IPv6", s, host)
		}
	} else {
		switch strings.Count(s, ":") {
		case 0:
			return "", 0, fmt.Errorf("address %q has no port: write it as \"%s:<port>\"", s, s)
		case 1:
			i := strings.IndexByte(s, ':')
			host, portStr = s[:i], s[i+1:]
		default:
			// Either a bare IPv6 address or an IPv6 address with a port
			// glued on; both need brackets.
			// "fd00::1:3002" is itself a valid IPv6 address, but a
			// trailing all-digit group most likely is a port.
			hint := "[" + s + "]:<port>"
			if i := strings.LastIndexByte(s, ':'); i > 0 && isDigits(s[i+1:]) {
				if a, perr := netip.ParseAddr(s[:i]); perr == nil && a.Is6() {
					hint = "[" + s[:i] + "]:" + s[i+1:]
				}
			}
			return "", 0, fmt.Errorf("address %q looks like an unbracketed IPv6 address: write it as %q", s, hint)
		}
	}
	if host == "" {
		return "", 0, fmt.Errorf("address %q has no host: write \"0.0.0.0:%s\" to listen on every interface, or name the host", s, portStr)
	}
	if strings.ContainsAny(host, "/?#@") {
		return "", 0, fmt.Errorf("address %q has a path or user part: write only \"host:port\"", s)
	}
	if portStr == "" {
		return "", 0, fmt.Errorf("address %q has no port after the colon: write \"%s:<port>\"", s, hostForHint(host))
	}
	n, perr := strconv.Atoi(portStr)
	if perr != nil || strings.HasPrefix(portStr, "+") || strings.HasPrefix(portStr, "-") {
		return "", 0, fmt.Errorf("address %q has a port %q that is not a number from 1 to 65535", s, portStr)
	}
	if n < 1 || n > 65535 {
		return "", 0, fmt.Errorf("address %q has port %d, which is outside 1 to 65535 (port 0 is rejected for configured addresses)", s, n)
	}
	return host, n, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func hostForHint(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// ParseEtcdAddr splits an etcd endpoint from metasrv store_addrs: "host:port"
// or "http://host:port" / "https://host:port" (etcd-client adds http:// when
// there is no scheme). The scheme is returned as written, or "" when absent;
// a trailing "/" after the port is allowed.
func ParseEtcdAddr(s string) (scheme, host string, port int, err error) {
	rest := s
	if i := strings.Index(s, "://"); i >= 0 {
		scheme = s[:i]
		if scheme != "http" && scheme != "https" {
			return "", "", 0, redactAddrErr(s, fmt.Errorf("etcd address %q has scheme %q: use \"http://\", \"https://\" or none", s, scheme))
		}
		rest = strings.TrimSuffix(s[i+3:], "/")
	}
	host, port, err = ParseAddr(rest)
	if err != nil {
		return "", "", 0, redactAddrErr(s, fmt.Errorf("etcd address %q is invalid: %w", s, err))
	}
	return scheme, host, port, nil
}

// IsUnspecifiedHost reports whether host means "every interface": 0.0.0.0,
// :: (with or without brackets) or empty. Such a host is fine to bind but not
// to advertise or dial.
func IsUnspecifiedHost(host string) bool {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if h == "" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsUnspecified()
}

// IsLoopbackHost reports whether host only reaches the same machine:
// 127.0.0.0/8, ::1 (also IPv4-mapped) or localhost.
func IsLoopbackHost(host string) bool {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	lh := strings.TrimSuffix(strings.ToLower(h), ".")
	if lh == "localhost" || strings.HasSuffix(lh, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// valueKind names the TOML type of a decoded value for messages.
func valueKind(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64:
		return "an integer"
	case float64:
		return "a float"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date-time"
	}
	return fmt.Sprintf("a %T", v)
}

// AsBool reads a decoded value as a bool: a TOML bool, or a string
// strconv parses (env overrides and YAML arrive as strings).
func AsBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b, true
		}
	}
	return false, false
}

// AsInt reads a decoded value as an integer: TOML's int64, YAML's int or
// float64, or a decimal string.
func AsInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		return int64(x), true
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}
