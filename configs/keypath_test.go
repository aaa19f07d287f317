package configs

import (
	"fmt"
	"testing"
)

func TestQuotedKeysStayOneKey(t *testing.T) {
	src := []byte(`"storage.type" = "S3"
"a[0]" = 1
[storage]
type = "File"
"cache.path" = "/c"
[[region_engine]]
"x.y" = { "p.q" = 2 }
`)
	f, err := Load("q.toml", src, Datanode)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{
		`"storage.type"`:                    "S3",
		`"a[0]"`:                            int64(1),
		`storage.type`:                      "File",
		`storage."cache.path"`:              "/c",
		`region_engine[0]."x.y"."p.q"`:      int64(2),
		`region_engine[0]."x.y"`:            map[string]any{"p.q": int64(2)},
		`storage."cache.path".nonexistent`:  nil,
		`"storage.type".nonexistent`:        nil,
		`storage.cache.path`:                nil,
		`region_engine[0].x.y`:              nil,
		`region_engine[0]."x.y".p.q`:        nil,
		`region_engine[0]."x.y"."p.q"[0]`:   nil,
		`region_engine[1]."x.y"`:            nil,
		`region_engine[0]."x.y"."p.q".more`: nil,
	} {
		got, ok := f.Get(key)
		if want == nil {
			if ok {
				t.Errorf("Get(%s) = %v, want nothing", key, got)
			}
			continue
		}
		if !ok || fmtAny(got) != fmtAny(want) {
			t.Errorf("Get(%s) = %v, %v; want %v", key, got, ok, want)
		}
		if _, indexed := f.Index().Get(key); !indexed {
			t.Errorf("%s is not in the index", key)
		}
	}
	for key, want := range map[string]string{
		`"storage.type"`:               "",
		`storage."cache.path"`:         "storage",
		`region_engine[0]."x.y"`:       "region_engine[0]",
		`region_engine[0]."x.y"."p.q"`: `region_engine[0]."x.y"`,
		`"a.b"[2]`:                     `"a.b"`,
	} {
		if got := parentKey(key); got != want {
			t.Errorf("parentKey(%s) = %q, want %q", key, got, want)
		}
	}
	if got := SchemaKey(`region_engine[0]."x[1]"`); got != `region_engine[]."x[1]"` {
		t.Errorf("SchemaKey kept the wrong brackets: %s", got)
	}
	if got := f.Pos(`storage."cache.path"`); got.Line != 5 || got.Col != 1 {
		t.Errorf("Pos = %v, want line 5 column 1", got)
	}
}

func TestQuotePartRoundTrips(t *testing.T) {
	for _, s := range []string{"plain", "with.dot", "", "quote\"in", `back\slash`, "ünï", "a b", "x[0]"} {
		q := QuotePart(s)
		if got := UnquotePart(q); got != s {
			t.Errorf("UnquotePart(QuotePart(%q)) = %q", s, got)
		}
		if parts := splitParts("p." + q + ".z"); len(parts) != 3 || parts[1] != q {
			t.Errorf("splitParts splits %s into %q", q, parts)
		}
	}
}

func fmtAny(v any) string { return fmt.Sprintf("%#v", v) }

func TestSplitKey(t *testing.T) {
	got := SplitKey(`storage."a.b".type`)
	if len(got) != 3 || got[0] != "storage" || got[1] != "a.b" || got[2] != "type" {
		t.Errorf("SplitKey = %q", got)
	}
}
