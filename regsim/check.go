package regsim

import (
	"encoding/json"
	"fmt"
	"iter"
	"reflect"
	"sort"

	"github.com/ipatlas/ipatlas"
)

// CheckReport compares what a crawl recorded with the ground truth.
type CheckReport struct {
	Expected   int      // networks a perfect walk records
	Got        int      // networks the crawl recorded
	Missing    []string // expected but not recorded
	Extra      []string // recorded but not expected (or recorded twice)
	Mismatched []string // recorded with a field that differs: "range handle: field"
}

// OK reports whether the crawl recorded exactly the truth.
func (r CheckReport) OK() bool { return len(r.Missing)+len(r.Extra)+len(r.Mismatched) == 0 }

func (r CheckReport) String() string {
	if r.OK() {
		return fmt.Sprintf("all %d networks match the ground truth", r.Expected)
	}
	return fmt.Sprintf("%d expected, %d recorded: %d missing (first %v), %d extra (first %v), %d mismatched (first %v)",
		r.Expected, r.Got, len(r.Missing), first(r.Missing), len(r.Extra), first(r.Extra), len(r.Mismatched), first(r.Mismatched))
}

func first(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return s[0]
}

// Check compares crawled networks with the networks a perfect walk records,
// field by field. Links and Source describe one answer, not the
// registration, and are not compared.
func (w *World) Check(got []ipatlas.Network) CheckReport { return w.CheckView(got, View{}) }

// View is one way the world is published: which networks a source yields
// and how it renders each. A zero field takes its default.
type View struct {
	// Networks are the networks the source yields. Defaults to the
	// networks a perfect walk records (Walked).
	Networks iter.Seq[NetRef]
	// Render is the network as the source publishes it. Defaults to
	// World.Network, the RDAP view.
	Render func(NetRef) ipatlas.Network
}

// Walked lists the networks a perfect walk records, in walk order.
func (w *World) Walked() iter.Seq[NetRef] {
	return func(yield func(NetRef) bool) {
		w.Walk(func(s Step) bool { return yield(s.Net) })
	}
}

// CheckView is Check against another view of the world: a WHOIS crawl
// against the WHOIS rendering, a dump load against the dump's networks.
func (w *World) CheckView(got []ipatlas.Network, v View) CheckReport {
	if v.Networks == nil {
		v.Networks = w.Walked()
	}
	if v.Render == nil {
		v.Render = w.Network
	}
	want := map[string]ipatlas.Network{}
	for ref := range v.Networks {
		n := v.Render(ref)
		want[key(n)] = n
	}
	r := CheckReport{Expected: len(want), Got: len(got)}
	seen := map[string]bool{}
	for _, g := range got {
		k := key(g)
		exp, ok := want[k]
		if !ok || seen[k] {
			r.Extra = append(r.Extra, k)
			continue
		}
		seen[k] = true
		if diff := diffNetwork(exp, g); diff != "" {
			r.Mismatched = append(r.Mismatched, k+": "+diff)
		}
	}
	for k := range want {
		if !seen[k] {
			r.Missing = append(r.Missing, k)
		}
	}
	sort.Strings(r.Missing)
	return r
}

func key(n ipatlas.Network) string { return n.Range.String() + " " + n.Handle }

// diffNetwork names the first field that differs, comparing values as
// their JSON forms so equal times in different zones compare equal only
// when they are the same instant and offset the registry wrote.
func diffNetwork(want, got ipatlas.Network) string {
	want.Links, got.Links, want.Source, got.Source = nil, nil, ipatlas.Source{}, ipatlas.Source{}
	want.Entities, got.Entities = withoutLinks(want.Entities), withoutLinks(got.Entities)
	wv, gv := reflect.ValueOf(want), reflect.ValueOf(got)
	for i := range wv.NumField() {
		a, _ := json.Marshal(wv.Field(i).Interface())
		b, _ := json.Marshal(gv.Field(i).Interface())
		if string(a) != string(b) {
			return fmt.Sprintf("%s: want %s, got %s", wv.Type().Field(i).Name, clip(string(a)), clip(string(b)))
		}
	}
	return ""
}

// withoutLinks copies entities without their links (which name the server
// that answered, not the registration), leaving the caller's untouched.
func withoutLinks(es []ipatlas.Entity) []ipatlas.Entity {
	if es == nil {
		return nil
	}
	out := make([]ipatlas.Entity, len(es))
	for i, e := range es {
		e.Links, e.Entities = nil, withoutLinks(e.Entities)
		out[i] = e
	}
	return out
}
