package whipfile

import (
	"bytes"
	"net/netip"

	"github.com/ipatlas/ipatlas/internal/netjson"
)

// AppendLine appends one range in Whip's layout, without the newline:
// "begin", "end" and "datetime", then the payload's fields. It is the
// reverse of reading a line, so a written file loads back to the same
// records.
func AppendLine(dst []byte, begin, end netip.Addr, datetime string, payload []byte) []byte {
	dst = append(dst, `{"begin":"`...)
	dst = begin.AppendTo(dst)
	dst = append(dst, `","end":"`...)
	dst = end.AppendTo(dst)
	dst = append(dst, `","datetime":`...)
	dst = netjson.AppendString(dst, datetime)
	if len(payload) >= 2 {
		if fields := bytes.TrimSpace(payload[1 : len(payload)-1]); len(fields) > 0 {
			dst = append(dst, ',')
			dst = append(dst, fields...)
		}
	}
	return append(dst, '}')
}
