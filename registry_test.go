package ipatlas_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
)

func TestRegistries(t *testing.T) {
	t.Parallel()
	got := ipatlas.Registries()
	want := []ipatlas.Registry{"afrinic", "apnic", "arin", "lacnic", "ripencc"}
	if !slices.Equal(got, want) {
		t.Fatalf("Registries() = %v, want %v", got, want)
	}
	got[0] = "mutated"
	if ipatlas.Registries()[0] != ipatlas.AFRINIC {
		t.Errorf("Registries() shares its slice between calls")
	}
}

func TestParseRegistry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want ipatlas.Registry
	}{
		{"AFRINIC", "afrinic", ipatlas.AFRINIC},
		{"AFRINICUpper", "AFRINIC", ipatlas.AFRINIC},
		{"APNIC", "APNIC", ipatlas.APNIC},
		{"ARIN", "arin", ipatlas.ARIN},
		{"ARINPadded", "  ARIN\t", ipatlas.ARIN},
		{"LACNIC", "LaCnIc", ipatlas.LACNIC},
		{"RIPENCCStatsName", "ripencc", ipatlas.RIPENCC},
		{"RIPENCCTitle", "RIPE NCC", ipatlas.RIPENCC},
		{"RIPE", "ripe", ipatlas.RIPENCC},
		{"RIPEUpper", "RIPE", ipatlas.RIPENCC},
		{"RIPEDash", "ripe-ncc", ipatlas.RIPENCC},
		{"RIPEUnderscore", "RIPE_NCC", ipatlas.RIPENCC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ipatlas.ParseRegistry(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseRegistry(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseRegistryUnknown(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "iana", "jpnic", "all", "ripe ncc x", "arin,apnic", "ri pe nc"} {
		t.Run(strconv.Quote(in), func(t *testing.T) {
			t.Parallel()
			got, err := ipatlas.ParseRegistry(in)
			if !errors.Is(err, ipatlas.ErrUnknownRegistry) {
				t.Fatalf("ParseRegistry(%q) = %q, %v; want an error wrapping ErrUnknownRegistry", in, got, err)
			}
			if got != "" {
				t.Errorf("ParseRegistry(%q) = %q with an error, want \"\"", in, got)
			}
			if !strings.Contains(err.Error(), strconv.Quote(in)) {
				t.Errorf("ParseRegistry(%q) error %q does not name the input", in, err)
			}
		})
	}
}

func TestParseRegistries(t *testing.T) {
	t.Parallel()
	all := ipatlas.Registries()
	tests := []struct {
		name string
		in   string
		want []ipatlas.Registry
	}{
		{"Empty", "", all},
		{"Blank", "   ", all},
		{"All", "all", all},
		{"AllUpper", " ALL ", all},
		{"One", "arin", []ipatlas.Registry{ipatlas.ARIN}},
		{"KeepsOrder", "ripe,arin", []ipatlas.Registry{ipatlas.RIPENCC, ipatlas.ARIN}},
		{"Spaces", "RIPE NCC, apnic , LACNIC", []ipatlas.Registry{ipatlas.RIPENCC, ipatlas.APNIC, ipatlas.LACNIC}},
		{"DuplicateAliases", "RIPE NCC,ripencc,ripe", []ipatlas.Registry{ipatlas.RIPENCC}},
		{"Duplicates", "arin,apnic,arin", []ipatlas.Registry{ipatlas.ARIN, ipatlas.APNIC}},
		{"AllFiveNamed", "ripencc,lacnic,arin,apnic,afrinic",
			[]ipatlas.Registry{ipatlas.RIPENCC, ipatlas.LACNIC, ipatlas.ARIN, ipatlas.APNIC, ipatlas.AFRINIC}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ipatlas.ParseRegistries(tt.in)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("ParseRegistries(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseRegistriesUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		unknown string // the name the error must quote
	}{
		{"Only", "iana", "iana"},
		{"Last", "arin,bogus", "bogus"},
		{"First", "jpnic,arin", "jpnic"},
		{"AllAmongOthers", "arin,all", "all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ipatlas.ParseRegistries(tt.in)
			if !errors.Is(err, ipatlas.ErrUnknownRegistry) {
				t.Fatalf("ParseRegistries(%q) = %v, %v; want an error wrapping ErrUnknownRegistry", tt.in, got, err)
			}
			if got != nil {
				t.Errorf("ParseRegistries(%q) = %v with an error, want nil", tt.in, got)
			}
			if !strings.Contains(err.Error(), strconv.Quote(tt.unknown)) {
				t.Errorf("ParseRegistries(%q) error %q does not name %q", tt.in, err, tt.unknown)
			}
		})
	}
}

func TestRegistryTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    ipatlas.Registry
		want string
	}{
		{"AFRINIC", ipatlas.AFRINIC, "AFRINIC"},
		{"APNIC", ipatlas.APNIC, "APNIC"},
		{"ARIN", ipatlas.ARIN, "ARIN"},
		{"LACNIC", ipatlas.LACNIC, "LACNIC"},
		{"RIPENCC", ipatlas.RIPENCC, "RIPE NCC"},
		{"None", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.r.Title(); got != tt.want {
				t.Errorf("Registry(%q).Title() = %q, want %q", tt.r, got, tt.want)
			}
			if tt.r == "" {
				return
			}
			// The title is a spelling ParseRegistry accepts.
			if back, err := ipatlas.ParseRegistry(tt.r.Title()); err != nil || back != tt.r {
				t.Errorf("ParseRegistry(%q) = %q, %v; want %q", tt.r.Title(), back, err, tt.r)
			}
		})
	}
}

func TestRegistryValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    ipatlas.Registry
		want bool
	}{
		{"AFRINIC", ipatlas.AFRINIC, true},
		{"APNIC", ipatlas.APNIC, true},
		{"ARIN", ipatlas.ARIN, true},
		{"LACNIC", ipatlas.LACNIC, true},
		{"RIPENCC", ipatlas.RIPENCC, true},
		{"Empty", "", false},
		{"UpperCase", "ARIN", false},
		{"TitleSpelling", "RIPE NCC", false},
		// Aliases ParseRegistry accepts are not themselves registries: a
		// Registry holds the delegated-stats name.
		{"AliasRipe", "ripe", false},
		{"AliasLowerWithSpace", "ripe ncc", false},
		{"AliasDash", "ripe-ncc", false},
		{"Padded", " arin", false},
		{"Unknown", "iana", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.r.Valid(); got != tt.want {
				t.Errorf("Registry(%q).Valid() = %v, want %v", tt.r, got, tt.want)
			}
		})
	}
}
