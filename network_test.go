package ipatlas_test

import (
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
)

func TestNetworkEventDate(t *testing.T) {
	t.Parallel()
	reg := time.Date(2001, 3, 4, 0, 0, 0, 0, time.UTC)
	changed := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	later := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)
	n := ipatlas.Network{Events: []ipatlas.Event{
		{Action: ipatlas.EventRegistration, Date: reg},
		{Action: ipatlas.EventLastChanged, Date: changed, Actor: "someone"},
		{Action: ipatlas.EventRegistration, Date: later},
	}}
	tests := []struct {
		name   string
		n      ipatlas.Network
		action string
		want   time.Time
	}{
		{"FirstOfTwo", n, ipatlas.EventRegistration, reg},
		{"LastChanged", n, ipatlas.EventLastChanged, changed},
		{"Missing", n, "transfer", time.Time{}},
		{"CaseMatters", n, "Registration", time.Time{}},
		{"NoEvents", ipatlas.Network{}, ipatlas.EventRegistration, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.n.EventDate(tt.action); !got.Equal(tt.want) {
				t.Errorf("EventDate(%q) = %v, want %v", tt.action, got, tt.want)
			}
		})
	}
}

func TestNetworkIPVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    ipatlas.Range
		want int
	}{
		{"IPv4", mustRange(t, "13.64.0.0", "13.107.255.255"), 4},
		{"IPv6", mustRange(t, "2a00::", "2a0f:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := (ipatlas.Network{Range: tt.r}).IPVersion(); got != tt.want {
				t.Errorf("IPVersion() of %v = %d, want %d", tt.r, got, tt.want)
			}
		})
	}
}

func TestEntityHasRole(t *testing.T) {
	t.Parallel()
	e := ipatlas.Entity{Roles: []string{ipatlas.RoleRegistrant, ipatlas.RoleAbuse}}
	tests := []struct {
		name string
		e    ipatlas.Entity
		role string
		want bool
	}{
		{"First", e, ipatlas.RoleRegistrant, true},
		{"Second", e, ipatlas.RoleAbuse, true},
		{"Absent", e, ipatlas.RoleTechnical, false},
		{"Empty", e, "", false},
		{"NoRoles", ipatlas.Entity{}, ipatlas.RoleAbuse, false},
		// Roles of nested entities are theirs, not the parent's.
		{"NestedNotCounted", ipatlas.Entity{Entities: []ipatlas.Entity{{Roles: []string{ipatlas.RoleNOC}}}}, ipatlas.RoleNOC, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.e.HasRole(tt.role); got != tt.want {
				t.Errorf("HasRole(%q) with roles %q = %v, want %v", tt.role, tt.e.Roles, got, tt.want)
			}
		})
	}
}
