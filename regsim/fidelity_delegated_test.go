package regsim_test

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

// realDelegated are the real files each registry's simulated files are
// compared with, extended first.
var realDelegated = map[ipatlas.Registry][]string{
	ipatlas.AFRINIC: {"delegated-afrinic-extended-20260821", "delegated-afrinic-20260213"},
	ipatlas.APNIC:   {"excerpts/nro-testdata-apnic-20190908-excerpt", "delegated-apnic-20260214"},
	ipatlas.ARIN:    {"excerpts/nro-testdata-arin-20190908-excerpt"},
	ipatlas.LACNIC:  {"delegated-lacnic-extended-20240208", "delegated-lacnic-20260212"},
	ipatlas.RIPENCC: {"delegated-ripencc-extended-20260720.TRUNCATED", "delegated-ripencc-20140630",
		"excerpts/nro-testdata-ripencc-20190908-excerpt"},
}

// sampleGaps are statuses the registries' full files use but our samples
// (excerpts and a cut-off download) happen not to contain — RIPE NCC's PI
// assignments, ARIN's free pool — with the status whose rows are laid out
// the same, to compare them with.
var sampleGaps = map[ipatlas.Registry][2]string{
	ipatlas.RIPENCC: {"assigned", "allocated"},
	ipatlas.ARIN:    {"available", "reserved"},
}

// freePoolShape is how the extended format lays out free space (empty
// country and date), as ARIN, APNIC and LACNIC write it. RIPE NCC's only
// recent sample is cut off before its free-pool rows; they are checked
// against this layout.
const freePoolShape = "word|empty|ip|ip|empty|empty|available|empty"

// registryQuirks are the quirks of each registry's real files that its
// simulated files must reproduce.
var registryQuirks = map[ipatlas.Registry][]string{
	ipatlas.AFRINIC: {delegated.QuirkStartDate, delegated.QuirkUTCOffset},
	ipatlas.ARIN:    {delegated.QuirkSerialMillis, delegated.QuirkStartDate},
	ipatlas.LACNIC:  {delegated.QuirkHeaderCount, delegated.QuirkSummaryCount},
	ipatlas.RIPENCC: {delegated.QuirkSerialSeconds},
}

// fieldClasses name what a delegated-stats field looks like, most specific
// first, so two files can be compared by the shape of their records.
var fieldClasses = []struct {
	name string
	re   *regexp.Regexp
}{
	{"empty", regexp.MustCompile(`^$`)},
	{"date", regexp.MustCompile(`^(19|20)\d{6}$`)},
	{"zerodate", regexp.MustCompile(`^0{8}$`)},
	{"ipv4", regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)},
	{"ipv6", regexp.MustCompile(`^[0-9a-f:]+:[0-9a-f:]*$`)},
	{"uuid", regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)},
	{"md5", regexp.MustCompile(`^[0-9a-f]{32}$`)},
	{"hex8", regexp.MustCompile(`^[0-9A-F]{8}$`)},
	{"cc", regexp.MustCompile(`^[A-Z]{2}$`)},
	{"number", regexp.MustCompile(`^\d+$`)},
	{"word", regexp.MustCompile(`^[a-z]+$`)},
}

func fieldClass(s string) string {
	for _, c := range fieldClasses {
		if c.re.MatchString(s) {
			return c.name
		}
	}
	return "other"
}

// recordShape is a record's status and the class of each field. IPv4 and
// IPv6 records compare as one family: the samples are excerpts, and a
// registry lays out both alike.
func recordShape(r delegated.Record) string {
	fields := []string{r.Registry, r.CC, r.Type, r.Start, "", r.Date, r.Status, r.OpaqueID}
	classes := make([]string, len(fields))
	for i, f := range fields {
		classes[i] = fieldClass(f)
	}
	classes[2], classes[3], classes[6] = "ip", "ip", r.Status
	if r.Type == "asn" {
		classes[2], classes[3] = "asn", "asn"
	}
	return strings.Join(classes, "|")
}

func parseReal(t *testing.T, dir, name string) *delegated.File {
	t.Helper()
	f, err := delegated.ParseFileWithOptions(filepath.Join(dir, name), delegated.ParseOptions{AllowTruncated: true})
	if err != nil {
		t.Fatalf("real file %s: %v", name, err)
	}
	return f
}

// TestDelegatedFilesHaveTheRealShape serves each registry's files and
// checks they parse, carry the registry's real quirks, use only record
// shapes (field classes per type and status) the real files use, and list
// exactly the world's top-level blocks.
func TestDelegatedFilesHaveTheRealShape(t *testing.T) {
	t.Parallel()
	dir := sharedData(t, "delegated")
	w := regsim.MustNew(regsim.Config{Seed: 6})
	s := simtest.Serve(t, w, regsim.ServerConfig{})
	for reg, names := range realDelegated {
		realShapes := map[string]bool{}
		for _, name := range names {
			for _, r := range parseReal(t, dir, name).Records {
				realShapes[recordShape(r)] = true
			}
		}
		for _, url := range []string{s.DelegatedURL(reg), strings.Replace(s.DelegatedURL(reg), "-extended", "", 1)} {
			resp, body := get(t, noRedirects, url)
			if reg == ipatlas.ARIN && !strings.Contains(url, "extended") {
				if resp.StatusCode != 404 {
					t.Errorf("%s: %s, want 404: ARIN publishes only the extended file", url, resp.Status)
				}
				continue
			}
			sim, err := delegated.Parse(bytes.NewReader(body), url)
			if err != nil {
				t.Fatalf("%s: %v", url, err)
			}
			checkDelegatedShape(t, reg, url, sim, realShapes)
		}
		checkQuirks(t, reg, w)
		checkListsTopLevel(t, reg, w)
	}
}

func checkDelegatedShape(t *testing.T, reg ipatlas.Registry, url string, sim *delegated.File, realShapes map[string]bool) {
	t.Helper()
	bad := map[string]bool{}
	for _, r := range sim.Records {
		if gap := sampleGaps[reg]; r.Status == gap[0] {
			r.Status = gap[1]
		}
		sh := recordShape(r)
		if reg == ipatlas.RIPENCC && r.Status == "available" && sh == freePoolShape {
			continue
		}
		if !realShapes[sh] {
			bad[sh] = true
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: record shapes no real %s file has: %v", url, reg, keys(bad))
	}
}

func checkQuirks(t *testing.T, reg ipatlas.Registry, w *regsim.World) {
	t.Helper()
	var b bytes.Buffer
	if err := delegated.Write(&b, w.Delegated(reg, true)); err != nil {
		t.Fatal(err)
	}
	f, err := delegated.Parse(&b, "sim")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range registryQuirks[reg] {
		if !f.HasQuirk(q) {
			t.Errorf("%s: simulated file lacks the real quirk %q (has %v)", reg, q, f.Quirks)
		}
	}
}

// checkListsTopLevel: the allocated and assigned records are exactly the
// registry's top-level blocks.
func checkListsTopLevel(t *testing.T, reg ipatlas.Registry, w *regsim.World) {
	t.Helper()
	var want, got []ipatlas.Range
	w.Each(func(r regsim.NetRef) bool {
		if w.TopLevel(r) && w.Registry(r) == reg {
			want = append(want, w.Range(r))
		}
		return true
	})
	for _, rec := range w.Delegated(reg, true).Records {
		if rec.Type != "asn" && (rec.Status == "allocated" || rec.Status == "assigned") {
			rg, err := rec.Range()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, rg)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: file lists %d blocks, world has %d", reg, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: record %d is %s, world has %s", reg, i, got[i], want[i])
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
