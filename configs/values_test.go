package configs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// checkMessage holds every parser error to the style guide: a lower-case
// start, the bad value quoted, and the part that says what to write.
func checkMessage(t *testing.T, err error, input any, wantText string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error for %#v", input)
	}
	msg := err.Error()
	if r := []rune(msg)[0]; unicode.IsUpper(r) {
		t.Errorf("message starts with an upper-case letter: %s", msg)
	}
	if s, ok := input.(string); ok && s != "" && !strings.Contains(msg, strconv.Quote(s)) {
		t.Errorf("message does not quote the value %q: %s", s, msg)
	}
	if !strings.Contains(msg, wantText) {
		t.Errorf("message %q does not contain %q", msg, wantText)
	}
}

func TestParseDuration(t *testing.T) {
	ok := []struct {
		in   string
		want time.Duration
	}{
		{"3s", 3 * time.Second},
		{"500ms", 500 * time.Millisecond},
		{"10000ms", 10 * time.Second},
		{"10m", 10 * time.Minute},
		{"24hours", 24 * time.Hour},
		{"7d", 7 * 24 * time.Hour},
		{"90d", 90 * 24 * time.Hour},
		{"0s", 0},
		{"0ms", 0},
		{"1h 30m", 90 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"1m1s", 61 * time.Second},
		{"2 h", 2 * time.Hour},
		{"1 0s", 10 * time.Second}, // humantime skips spaces inside a number
		{" 5s ", 5 * time.Second},
		{"1M", 2_630_016 * time.Second},
		{"1y", 31_557_600 * time.Second},
		{"2w", 14 * 24 * time.Hour},
		{"100ns", 100},
		{"1nanos", 1},
		{"1nsec", 1},
		{"3us", 3 * time.Microsecond},
		{"3usec", 3 * time.Microsecond},
		{"2millis", 2 * time.Millisecond},
		{"5msec", 5 * time.Millisecond},
		{"1second 2secs 3sec 4seconds", 10 * time.Second},
		{"1minute 2mins 3min 4minutes", 10 * time.Minute},
		{"1hr 2hrs 3hour", 6 * time.Hour},
		{"1day 1days", 48 * time.Hour},
		{"1week 1weeks", 14 * 24 * time.Hour},
		{"1month 1months", 2 * 2_630_016 * time.Second},
		{"1year 1years", 2 * 31_557_600 * time.Second},
		{"999999999ns 1ns", time.Second},
		{"1000000y", time.Duration(math.MaxInt64)}, // valid for GreptimeDB, too long for Go
	}
	for _, tc := range ok {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if err != nil {
				t.Fatalf("ParseDuration(%q) failed: %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseDuration(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
	bad := []struct {
		name, in, want string
	}{
		{"empty", "", "is empty"},
		{"only spaces", "   ", "is empty"},
		{"bare zero", "0", "time unit needed, for example 0sec or 0ms"},
		{"bare number", "30", "time unit needed, for example 30sec or 30ms"},
		{"fraction", "1.5s", "fraction"},
		{"upper-case S", "10S", `unknown unit "S"`},
		{"upper-case H", "1H", `unknown unit "H"`},
		{"number after unit", "1hr30", "time unit needed, for example 30sec or 30ms"},
		{"negative", "-1s", "negative"},
		{"comma", "1h,2m", "invalid character"},
		{"micro sign", "1µs", "invalid character"},
		{"unit first", "s", "expected a number"},
		{"unit after space", "1h m", "expected a number"},
		{"wk is humantime 2.3", "1wk", `unknown unit "wk"`},
		{"go spelling", "1h0m0.5s", "fraction"},
		{"overflowing number", "99999999999999999999s", "too large"},
		{"overflowing product", "999999999999999999y", "too large"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDuration(tc.in)
			checkMessage(t, err, tc.in, tc.want)
		})
	}
}

func TestParseSize(t *testing.T) {
	const (
		k = 1 << 10
		m = 1 << 20
		g = 1 << 30
	)
	ok := []struct {
		name string
		in   any
		want uint64
	}{
		{"integer bytes", int64(1024), 1024},
		{"zero", int64(0), 0},
		{"MB", "64MB", 64 * m},
		{"KB is 1024", "1KB", k},
		{"K", "1K", k},
		{"KiB", "1KiB", k},
		{"MiB", "512MiB", 512 * m},
		{"GB", "1GB", g},
		{"G", "2G", 2 * g},
		{"TB", "1TB", 1 << 40},
		{"PiB", "1PiB", 1 << 50},
		{"decimal", "1.5GiB", 3 * g / 2},
		{"leading dot", ".5K", 512},
		{"trailing dot", "1.K", k},
		{"space before unit", "1 GB", g},
		{"outer spaces", " 2GB ", 2 * g},
		{"no unit", "512", 512},
		{"B", "512B", 512},
		{"exponent", "1e3B", 1000},
		{"string zero", "0", 0},
		{"negative string saturates", "-1MB", 0},
		{"huge saturates", "1e30PB", math.MaxUint64},
		{"fraction of a byte", "0.5B", 0},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if err != nil {
				t.Fatalf("ParseSize(%#v) failed: %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseSize(%#v) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
	bad := []struct {
		name string
		in   any
		want string
	}{
		{"lower-case mb", "64mb", `unknown unit "mb"`},
		{"lower-case gb", "1gb", `unknown unit "gb"`},
		{"Gib", "5Gib", `unknown unit "Gib"`},
		{"empty", "", "is empty"},
		{"unit only", "MB", "does not start with a number"},
		{"word", "abc", `unknown unit "abc"`},
		{"two numbers", "1 2MB", `unknown unit "2MB"`},
		{"two dots", "1.2.3MB", "does not start with a number"},
		{"non-ASCII", "１MB", "non-ASCII"},
		{"negative integer", int64(-1), "negative"},
		{"float", 1.5, "float"},
		{"boolean", true, "a boolean"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSize(tc.in)
			checkMessage(t, err, tc.in, tc.want)
		})
	}
}

func TestSizeIsNegativeString(t *testing.T) {
	cases := map[string]bool{"-1MB": true, " -0.5GiB": true, "-1": true, "1MB": false, "1e-3KB": false, "-xMB": false, "": false}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			if got := SizeIsNegativeString(in); got != want {
				t.Errorf("SizeIsNegativeString(%q) = %v, want %v", in, got, want)
			}
		})
	}
}

func TestParseMemoryLimit(t *testing.T) {
	for _, in := range []string{"unlimited", "UNLIMITED", "Unlimited", "50%", "0%", "100%", " 20 % ", "+50%", "2GB", "0", "1.5GiB"} {
		t.Run(in, func(t *testing.T) {
			if err := ParseMemoryLimit(in); err != nil {
				t.Errorf("ParseMemoryLimit(%q) failed: %v", in, err)
			}
		})
	}
	bad := []struct {
		name string
		in   any
		want string
	}{
		{"integer", int64(0), "must be a string"},
		{"above 100", "101%", "above 100%"},
		{"above u8", "300%", "invalid percentage"},
		{"negative", "-1%", "invalid percentage"},
		{"fractional percent", "50.5%", "invalid percentage"},
		{"bare percent", "%", "invalid percentage"},
		{"word", "lots", "is invalid"},
		{"lower-case unit", "2gb", "is invalid"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			checkMessage(t, ParseMemoryLimit(tc.in), tc.in, tc.want)
		})
	}
}

func TestParseIndexMemThreshold(t *testing.T) {
	for _, in := range []any{"auto", "unlimited", "64MB", int64(1024), "0"} {
		t.Run(fmt.Sprint(in), func(t *testing.T) {
			if err := ParseIndexMemThreshold(in); err != nil {
				t.Errorf("ParseIndexMemThreshold(%#v) failed: %v", in, err)
			}
		})
	}
	for _, in := range []any{"Auto", "AUTO", "Unlimited", "64mb", true, int64(-1)} {
		t.Run("bad "+fmt.Sprint(in), func(t *testing.T) {
			checkMessage(t, ParseIndexMemThreshold(in), in, `use "auto", "unlimited" or a size`)
		})
	}
}

func TestParseExhaustedPolicy(t *testing.T) {
	for _, in := range []string{"wait", "fail", "skip", "WAIT", "Fail", "wait(30s)", "WAIT(30s)", "wait(1m 30s)", "wait(0s)"} {
		t.Run(in, func(t *testing.T) {
			if err := ParseExhaustedPolicy(in); err != nil {
				t.Errorf("ParseExhaustedPolicy(%q) failed: %v", in, err)
			}
		})
	}
	bad := []struct{ in, want string }{
		{"wait(30)", "time unit needed"},
		{"wait()", "is empty"},
		{"wait(30S)", `unknown unit "S"`},
		{"block", `use "wait"`},
		{"wait 30s", `use "wait"`},
		{" wait", `use "wait"`},
		{"", `use "wait"`},
	}
	for _, tc := range bad {
		t.Run("bad "+tc.in, func(t *testing.T) {
			checkMessage(t, ParseExhaustedPolicy(tc.in), tc.in, tc.want)
		})
	}
}

func TestParseAddr(t *testing.T) {
	ok := []struct {
		in, host string
		port     int
	}{
		{"127.0.0.1:4001", "127.0.0.1", 4001},
		{"[fd00::1]:3002", "fd00::1", 3002},
		{"[::]:4000", "::", 4000},
		{"localhost:4000", "localhost", 4000},
		{"0.0.0.0:1", "0.0.0.0", 1},
		{"db.example.com:65535", "db.example.com", 65535},
		{"greptimedb-meta.default.svc.cluster.local:3002", "greptimedb-meta.default.svc.cluster.local", 3002},
	}
	for _, tc := range ok {
		t.Run(tc.in, func(t *testing.T) {
			host, port, err := ParseAddr(tc.in)
			if err != nil {
				t.Fatalf("ParseAddr(%q) failed: %v", tc.in, err)
			}
			if host != tc.host || port != tc.port {
				t.Errorf("ParseAddr(%q) = %q, %d; want %q, %d", tc.in, host, port, tc.host, tc.port)
			}
		})
	}
	bad := []struct{ name, in, want string }{
		{"empty", "", "address is empty"},
		{"no port", "127.0.0.1", "has no port"},
		{"colon without port", "127.0.0.1:", "no port after the colon"},
		{"port zero", "127.0.0.1:0", "port 0 is rejected"},
		{"port too big", "127.0.0.1:65536", "outside 1 to 65535"},
		{"named port", "127.0.0.1:http", "not a number"},
		{"signed port", "h:+80", "not a number"},
		{"bare IPv6", "fd00::1", `unbracketed IPv6 address: write it as "[fd00::1]:<port>"`},
		{"IPv6 with port", "fd00::1:3002", `write it as "[fd00::1]:3002"`},
		{"scheme", "http://h:4000", `must not have a scheme: write "h:4000"`},
		{"brackets without port", "[fd00::1]", "has no port"},
		{"brackets around IPv4", "[127.0.0.1]:80", "not an IPv6 address"},
		{"unclosed bracket", "[fd00::1:80", "no closing bracket"},
		{"no host", ":4000", `write "0.0.0.0:4000"`},
		{"space", "a b:1", "has a space"},
		{"path", "h/x:1", "path or user part"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseAddr(tc.in)
			checkMessage(t, err, tc.in, tc.want)
		})
	}
}

func TestParseEtcdAddr(t *testing.T) {
	ok := []struct {
		in, scheme, host string
		port             int
	}{
		{"127.0.0.1:2379", "", "127.0.0.1", 2379},
		{"http://etcd:2379", "http", "etcd", 2379},
		{"https://etcd.example.com:2379/", "https", "etcd.example.com", 2379},
		{"https://[fd00::2]:2379", "https", "fd00::2", 2379},
	}
	for _, tc := range ok {
		t.Run(tc.in, func(t *testing.T) {
			scheme, host, port, err := ParseEtcdAddr(tc.in)
			if err != nil {
				t.Fatalf("ParseEtcdAddr(%q) failed: %v", tc.in, err)
			}
			if scheme != tc.scheme || host != tc.host || port != tc.port {
				t.Errorf("ParseEtcdAddr(%q) = %q, %q, %d", tc.in, scheme, host, port)
			}
		})
	}
	bad := []struct{ name, in, want string }{
		{"grpc scheme", "grpc://etcd:2379", `scheme "grpc"`},
		{"no port with scheme", "http://etcd", "has no port"},
		{"no port", "etcd", "has no port"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := ParseEtcdAddr(tc.in)
			checkMessage(t, err, tc.in, tc.want)
		})
	}
}

func TestHostClasses(t *testing.T) {
	cases := []struct {
		host                  string
		unspecified, loopback bool
	}{
		{"0.0.0.0", true, false},
		{"::", true, false},
		{"[::]", true, false},
		{"", true, false},
		{"127.0.0.1", false, true},
		{"127.1.2.3", false, true},
		{"::1", false, true},
		{"[::1]", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"localhost", false, true},
		{"LOCALHOST", false, true},
		{"10.0.0.1", false, false},
		{"fd00::1", false, false},
		{"example.com", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.host, func(t *testing.T) {
			if got := IsUnspecifiedHost(tc.host); got != tc.unspecified {
				t.Errorf("IsUnspecifiedHost(%q) = %v", tc.host, got)
			}
			if got := IsLoopbackHost(tc.host); got != tc.loopback {
				t.Errorf("IsLoopbackHost(%q) = %v", tc.host, got)
			}
		})
	}
}
