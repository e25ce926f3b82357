package ipatlas_test

import (
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
)

func TestCountsAddAndSub(t *testing.T) {
	t.Parallel()
	a := ipatlas.Counts{Registry: ipatlas.ARIN, Queries: 10, Answers: 8, NotFound: 1, Redirects: 2, Throttled: 3, Retries: 4,
		Failures: 5, Skipped: 6, Waited: 7 * time.Second}
	b := ipatlas.Counts{Registry: ipatlas.LACNIC, Queries: 1, Answers: 1, NotFound: 1, Redirects: 1, Throttled: 1, Retries: 1,
		Failures: 1, Skipped: 1, Waited: time.Second}
	sum := a.Add(b)
	if want := (ipatlas.Counts{Registry: ipatlas.ARIN, Queries: 11, Answers: 9, NotFound: 2, Redirects: 3, Throttled: 4, Retries: 5,
		Failures: 6, Skipped: 7, Waited: 8 * time.Second}); sum != want {
		t.Errorf("Add = %+v, want %+v", sum, want)
	}
	if back := sum.Sub(b); back != a {
		t.Errorf("Sub undoes Add: %+v, want %+v", back, a)
	}
}
