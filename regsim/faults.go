package regsim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults makes a registry misbehave on request, each fault at its own rate
// (a share of requests, 0..1). The zero value is a well-behaved registry.
type Faults struct {
	ServerError float64       // answer 500, 502 or 503
	Reset       float64       // reset the connection without an answer
	Truncate    float64       // send half the body of a longer promised one
	Malformed   float64       // send a body that is not valid JSON
	Slow        float64       // wait SlowDelay before answering
	SlowDelay   time.Duration // Defaults to 2s.
	// Latency is added to every answer: exponentially distributed with this
	// mean, to model a far-away server. Zero adds none.
	Latency time.Duration
}

// ParseFaults reads faults written as NAME=VALUE pairs separated by commas,
// e.g. "5xx=0.01,reset=0.005,truncate=0.01,malformed=0.01,slow=0.01,slow-delay=3s,latency=20ms".
func ParseFaults(s string) (Faults, error) {
	var f Faults
	for _, part := range strings.Split(s, ",") {
		if err := f.set(strings.TrimSpace(part)); err != nil {
			return f, fmt.Errorf("faults %q: %w", s, err)
		}
	}
	return f, nil
}

func (f *Faults) set(part string) error {
	k, v, _ := strings.Cut(part, "=")
	if k == "slow-delay" || k == "latency" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("%s %q: want a duration such as 20ms", k, v)
		}
		*map[string]*time.Duration{"slow-delay": &f.SlowDelay, "latency": &f.Latency}[k] = d
		return nil
	}
	rates := map[string]*float64{"5xx": &f.ServerError, "reset": &f.Reset, "truncate": &f.Truncate,
		"malformed": &f.Malformed, "slow": &f.Slow}
	p, ok := rates[k]
	if !ok {
		return fmt.Errorf("fault %q: want one of 5xx, reset, truncate, malformed, slow, slow-delay, latency", k)
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x < 0 || x > 1 {
		return fmt.Errorf("%s %q: want a share between 0 and 1", k, v)
	}
	*p = x
	return nil
}

// fault is the misbehaviour chosen for one request.
type fault int

const (
	faultNone fault = iota
	faultServerError
	faultReset
	faultTruncate
	faultMalformed
	faultSlow
)

// faulter draws faults from a seeded stream. It is safe for concurrent use.
type faulter struct {
	f   Faults
	mu  sync.Mutex
	rng *rand.Rand
}

func newFaulter(f Faults, seed uint64) *faulter {
	if f.SlowDelay == 0 {
		f.SlowDelay = 2 * time.Second
	}
	return &faulter{f: f, rng: rand.New(rand.NewPCG(seed, 0x6661756c74))}
}

func (fl *faulter) active() bool {
	f := fl.f
	return f.ServerError+f.Reset+f.Truncate+f.Malformed+f.Slow > 0 || f.Latency > 0
}

// draw picks this request's fault and extra latency.
func (fl *faulter) draw() (fault, time.Duration) {
	if !fl.active() {
		return faultNone, 0
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	var delay time.Duration
	if fl.f.Latency > 0 {
		delay = time.Duration(fl.rng.ExpFloat64() * float64(fl.f.Latency))
	}
	x := fl.rng.Float64()
	for _, c := range []struct {
		rate float64
		f    fault
	}{{fl.f.ServerError, faultServerError}, {fl.f.Reset, faultReset}, {fl.f.Truncate, faultTruncate},
		{fl.f.Malformed, faultMalformed}, {fl.f.Slow, faultSlow}} {
		if x < c.rate {
			return c.f, delay
		}
		x -= c.rate
	}
	return faultNone, delay
}

func (fl *faulter) serverErrorCode() int {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return []int{500, 502, 503}[fl.rng.IntN(3)]
}
