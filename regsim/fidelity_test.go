package regsim_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/shareddata"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

// sharedData is the directory of real registry samples, or a skip.
func sharedData(tb testing.TB, sub string) string { return shareddata.Dir(tb, sub) }

// registryDirs maps our registry names to the sample directories.
var registryDirs = map[ipatlas.Registry]string{
	ipatlas.AFRINIC: "afrinic", ipatlas.APNIC: "apnic", ipatlas.ARIN: "arin",
	ipatlas.LACNIC: "lacnic", ipatlas.RIPENCC: "ripencc",
}

// extraKeys are fields the simulator writes that a registry's samples lack,
// each for a reason: AFRINIC's 2015 samples carry entities without roles,
// which RFC 9083 §5.1 expects and today's AFRINIC sends.
var extraKeys = map[ipatlas.Registry][]string{
	ipatlas.AFRINIC: {"entity.roles"},
}

// shape is the JSON field names of an answer, with the JSON type of each,
// for the network object and (prefixed "entity.") its entities, and the
// vCard property names ("vcard.").
type shape map[string]string

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

func shapeOf(obj map[string]any) shape {
	s := shape{}
	for k, v := range obj {
		s[k] = jsonType(v)
	}
	addEntities(s, obj)
	return s
}

func addEntities(s shape, obj map[string]any) {
	ents, _ := obj["entities"].([]any)
	for _, e := range ents {
		em, _ := e.(map[string]any)
		for k, v := range em {
			s["entity."+k] = jsonType(v)
		}
		if vc, ok := em["vcardArray"].([]any); ok && len(vc) == 2 {
			props, _ := vc[1].([]any)
			for _, p := range props {
				if pa, ok := p.([]any); ok && len(pa) == 4 {
					s["vcard."+pa[0].(string)] = jsonType(pa[3])
				}
			}
		}
		addEntities(s, em)
	}
}

// realShapes loads every real IP network answer of a registry.
func realShapes(t *testing.T, dir string) []shape {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "ip-*.json"))
	var out []shape
	for _, p := range paths {
		if strings.Contains(p, "headers") || strings.Contains(p, "history") {
			continue
		}
		var obj map[string]any
		data, err := os.ReadFile(p)
		if err != nil || json.Unmarshal(data, &obj) != nil {
			t.Fatalf("read sample %s: %v", p, err)
		}
		out = append(out, shapeOf(obj))
	}
	if len(out) == 0 {
		t.Fatalf("no ip-*.json samples in %s", dir)
	}
	return out
}

// TestRDAPAnswersHaveTheRealShape compares the simulator's answers with the
// real answers of the same registry: every field the simulator writes
// appears in a real answer with the same JSON type, and every field all
// real answers share appears in the simulator's.
func TestRDAPAnswersHaveTheRealShape(t *testing.T) {
	t.Parallel()
	base := sharedData(t, "rdap")
	w := regsim.MustNew(regsim.Config{Seed: 3})
	s := simtest.Serve(t, w, regsim.ServerConfig{})
	for reg, dir := range registryDirs {
		real := realShapes(t, filepath.Join(base, dir))
		union, common := shape{}, shape{}
		for k, v := range real[0] {
			common[k] = v
		}
		for _, r := range real {
			for k, v := range r {
				union[k] = v
			}
			for k := range common {
				if _, ok := r[k]; !ok {
					delete(common, k)
				}
			}
		}
		for _, k := range extraKeys[reg] {
			union[k] = "array"
		}
		for _, is4 := range []bool{true, false} {
			for _, top := range []bool{true, false} {
				ref := pick(t, w, held(w, reg, is4, top))
				_, body := get(t, noRedirects, s.URL(reg)+"ip/"+w.Range(ref).Prefixes()[0].String())
				var obj map[string]any
				if err := json.Unmarshal(body, &obj); err != nil {
					t.Fatalf("%s: %v", reg, err)
				}
				checkShape(t, reg, shapeOf(obj), union, common)
			}
		}
	}
}

func checkShape(t *testing.T, reg ipatlas.Registry, sim, union, common shape) {
	t.Helper()
	var extra, missing, mistyped []string
	for k, typ := range sim {
		switch want, ok := union[k]; {
		case !ok:
			extra = append(extra, k)
		case want != typ && !(strings.HasPrefix(k, "vcard.") && want == "null"):
			mistyped = append(mistyped, k+": "+typ+" want "+want)
		}
	}
	for k := range common {
		if _, ok := sim[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	if len(extra)+len(missing)+len(mistyped) > 0 {
		t.Errorf("%s: fields no real answer has: %v; fields every real answer has but we lack: %v; types: %v",
			reg, extra, missing, mistyped)
	}
}
