// Package parallel runs independent pieces of work side by side, as many
// at once as there are processors.
package parallel

import (
	"runtime"
	"sync"
)

// For calls fn(0) to fn(n-1), at most GOMAXPROCS at once, and returns when
// all are done.
func For(n int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}
