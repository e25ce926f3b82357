package parallel_test

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/internal/parallel"
)

// TestForCallsEachOnceWithinTheBound: every index is called once, and no
// more calls run at once than there are processors.
func TestForCallsEachOnceWithinTheBound(t *testing.T) {
	calls := make([]atomic.Int32, 50)
	var running, most atomic.Int32
	parallel.For(len(calls), func(i int) {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Millisecond)
		calls[i].Add(1)
		running.Add(-1)
	})
	for i := range calls {
		if n := calls[i].Load(); n != 1 {
			t.Errorf("fn(%d) called %d times", i, n)
		}
	}
	if m := most.Load(); m > int32(runtime.GOMAXPROCS(0)) {
		t.Errorf("%d calls at once, more than GOMAXPROCS %d", m, runtime.GOMAXPROCS(0))
	}
}
