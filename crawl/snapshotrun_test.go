package crawl_test

import (
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
)

// TestSnapshotRun: a crawl's snapshot names its run; a loaded file's,
// even one whose name starts like it, does not.
func TestSnapshotRun(t *testing.T) {
	t.Parallel()
	cases := map[string]int64{"crawl run 7": 7, "crawl run 12345": 12345, "snap-2024-01-01.jsonl": 0,
		"crawl run 7.jsonl": 0, "crawl run ": 0, "crawl run -1x": 0}
	for source, want := range cases {
		id, ok := crawl.SnapshotRun(ipatlas.Snapshot{Source: source})
		if id != want || ok != (want != 0) {
			t.Errorf("SnapshotRun(%q) = %d, %v; want %d", source, id, ok, want)
		}
	}
}
