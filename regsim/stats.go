package regsim

import (
	"sync"
	"time"

	"github.com/ipatlas/ipatlas"
)

// Counters count what one registry (or one client of it) was sent and
// answered.
type Counters struct {
	Requests     int64         `json:"requests"`
	ByStatus     map[int]int64 `json:"by_status"`
	RateLimited  int64         `json:"rate_limited"`  // answered 429 for going over the limit
	WhileBlocked int64         `json:"while_blocked"` // refused while blocked
	Redirects    int64         `json:"redirects"`
	Faults       int64         `json:"faults"`         // injected faults
	MaxPerSecond int64         `json:"max_per_second"` // most requests seen in any one second

	second, inSecond int64
}

func (c *Counters) add(status int, now time.Time, ev event) {
	c.Requests++
	if status > 0 {
		c.ByStatus[status]++
	}
	switch ev {
	case evLimited:
		c.RateLimited++
	case evBlocked:
		c.WhileBlocked++
	case evRedirect:
		c.Redirects++
	case evFault:
		c.Faults++
	}
	if s := now.Unix(); s != c.second {
		c.second, c.inSecond = s, 0
	}
	c.inSecond++
	c.MaxPerSecond = max(c.MaxPerSecond, c.inSecond)
}

func (c *Counters) clone() *Counters {
	out := *c
	out.ByStatus = make(map[int]int64, len(c.ByStatus))
	for k, v := range c.ByStatus {
		out.ByStatus[k] = v
	}
	return &out
}

// event is what else a request was, beside its status.
type event int

const (
	evNone event = iota
	evLimited
	evBlocked
	evRedirect
	evFault
)

// Stats is a snapshot of the simulator's counters: per registry, and per
// registry and client source address.
type Stats struct {
	Registries map[ipatlas.Registry]*Counters            `json:"registries"`
	Clients    map[ipatlas.Registry]map[string]*Counters `json:"clients"`
}

// stats holds the live counters. It is safe for concurrent use.
type stats struct {
	mu      sync.Mutex
	regs    map[ipatlas.Registry]*Counters
	clients map[ipatlas.Registry]map[string]*Counters
}

func newStats() *stats {
	s := &stats{regs: map[ipatlas.Registry]*Counters{}, clients: map[ipatlas.Registry]map[string]*Counters{}}
	for _, r := range registries {
		s.regs[r] = &Counters{ByStatus: map[int]int64{}}
		s.clients[r] = map[string]*Counters{}
	}
	return s
}

func (s *stats) record(reg ipatlas.Registry, client string, status int, now time.Time, ev event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.regs[reg].add(status, now, ev)
	c := s.clients[reg][client]
	if c == nil {
		c = &Counters{ByStatus: map[int]int64{}}
		s.clients[reg][client] = c
	}
	c.add(status, now, ev)
}

func (s *stats) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Stats{Registries: map[ipatlas.Registry]*Counters{}, Clients: map[ipatlas.Registry]map[string]*Counters{}}
	for r, c := range s.regs {
		out.Registries[r] = c.clone()
		out.Clients[r] = map[string]*Counters{}
		for ip, cc := range s.clients[r] {
			out.Clients[r][ip] = cc.clone()
		}
	}
	return out
}
