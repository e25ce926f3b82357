package netjson_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/netjson"
)

// TestAppendRecordMatchesNetworkRecord holds AppendRecord to the payload
// ipatlas.NetworkRecord writes, on the same random networks as Append.
func TestAppendRecordMatchesNetworkRecord(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 5000 {
		n := randomNetwork(r)
		want, err := ipatlas.NetworkRecord(n)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := netjson.AppendRecord(nil, &n); err != nil || !bytes.Equal(got, want.Payload) {
			t.Fatalf("network %d:\n got %s\nwant %s", i, got, want.Payload)
		}
	}
}
