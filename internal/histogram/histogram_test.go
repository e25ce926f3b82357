package histogram_test

import (
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/internal/histogram"
)

func TestBucketsCountAndQuantiles(t *testing.T) {
	t.Parallel()
	b := histogram.Doubling(time.Millisecond, 4) // 1, 2, 4, 8 ms, then above
	if b[3] != 8*time.Millisecond {
		t.Fatalf("bounds %v, want 1 to 8 ms doubling", b)
	}
	var h histogram.Histogram
	h.Observe(b, time.Millisecond, 1) // on a bound: that bucket
	h.Observe(b, 1500*time.Microsecond, 2)
	h.Observe(b, time.Second, 1) // above every bound
	s := h.Snapshot(b)
	if want := []int64{1, 2, 0, 0, 1}; len(s.Buckets) != len(want) || s.Count != 4 || s.Sum != time.Millisecond+3*time.Millisecond+time.Second {
		t.Fatalf("snapshot %+v, want buckets %v, 4 events", s, want)
	} else {
		for i := range want {
			if s.Buckets[i] != want[i] {
				t.Fatalf("buckets %v, want %v", s.Buckets, want)
			}
		}
	}
	for q, want := range map[float64]time.Duration{0.25: time.Millisecond, 0.5: 2 * time.Millisecond, 0.75: 2 * time.Millisecond, 1: 16 * time.Millisecond} {
		if got := s.Quantile(q); got != want {
			t.Errorf("quantile %v = %v, want %v", q, got, want)
		}
	}
	s.Add(s)
	if s.Count != 8 || s.Buckets[1] != 4 {
		t.Errorf("a snapshot added to itself: %+v", s)
	}
	if (histogram.Snapshot{Bounds: b}).Quantile(0.5) != 0 {
		t.Error("an empty histogram has a quantile")
	}
}
