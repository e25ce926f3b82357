package delegated_test

import (
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
)

func TestBlocksHeldFreeAndOverlaps(t *testing.T) {
	t.Parallel()
	parse := func(text string) *delegated.File {
		f, err := delegated.Parse(strings.NewReader(text), "test")
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	ripe := parse(`2|ripencc|1767222000|5|19700101|20251231|+0100
ripencc|*|ipv4|*|3|summary
ripencc|*|asn|*|1|summary
ripencc|*|ipv6|*|1|summary
ripencc|NL|ipv6|2001:600::|32|19990819|allocated|a
ripencc|NL|ipv4|193.0.4.0|1024|19930901|assigned|a
ripencc||ipv4|193.0.8.0|256||available|
ripencc|NL|ipv4|193.0.0.0|768|19930901|allocated|a
ripencc|EU|asn|3333|1|19930901|allocated|a
`)
	arin := parse(`2.3|arin|1567951216119|1|19700101|20190908|-0400
arin|*|ipv4|*|1|summary
arin|US|ipv4|193.0.2.0|256|20100101|allocated|x
`)
	held, free, dropped, err := delegated.Blocks([]*delegated.File{ripe, arin})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range held {
		got = append(got, string(b.Registry)+" "+b.Status+" "+b.Range.String())
	}
	want := "ripencc allocated 193.0.0.0 - 193.0.2.255|ripencc assigned 193.0.4.0 - 193.0.7.255|ripencc allocated 2001:600:: - 2001:600:ffff:ffff:ffff:ffff:ffff:ffff"
	if strings.Join(got, "|") != want {
		t.Errorf("held\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
	if len(free) != 1 || free[0].Held() || free[0].Registry != ipatlas.RIPENCC || free[0].Range.String() != "193.0.8.0 - 193.0.8.255" {
		t.Errorf("free %+v", free)
	}
	if len(dropped) != 1 || !strings.Contains(dropped[0], "arin 193.0.2.0 - 193.0.2.255 overlaps ripencc") {
		t.Errorf("dropped %v", dropped)
	}
	if held[0].Date.IsZero() || held[0].CC != "NL" {
		t.Errorf("record details lost: %+v", held[0])
	}
}
