package serve

import "time"

// LeanAnswerer answers requests as a lean connection does between a read
// and its write, counted in o.Counters, without the connection, so
// benchmarks see the lean path's own cost.
func LeanAnswerer(live *Live, o Options) func(in, out []byte) []byte {
	s := &server{live: live, counters: o.Counters}
	return func(in, out []byte) []byte {
		s.answerRead(in, &out, time.Now())
		return out
	}
}

// EntitiesBuilt reports whether the served index's RDAP entity table is
// built.
func EntitiesBuilt(l *Live) bool { return l.cur.Load().entities.built.Load() }
