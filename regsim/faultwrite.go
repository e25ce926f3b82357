package regsim

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
)

// applyFault changes or replaces the answer as the fault says. It returns
// the status to count, or 0 when the connection was cut without a status
// (the answer has then already been dealt with).
func (rs *registryServer) applyFault(w http.ResponseWriter, r *http.Request, a *answer, f fault) int {
	switch f {
	case faultServerError:
		code := rs.flt.serverErrorCode()
		*a = answer{status: code, contentType: "text/html",
			body: []byte(fmt.Sprintf("<html><body><h1>%d %s</h1></body></html>\n", code, http.StatusText(code)))}
	case faultSlow:
		if !sleep(r, rs.flt.f.SlowDelay) {
			return 0
		}
	case faultMalformed:
		if a.status == http.StatusOK {
			a.body = append(a.body[:len(a.body)/2:len(a.body)/2], []byte(`,"<<not json`)...)
		}
	case faultReset:
		reset(w)
		return 0
	case faultTruncate:
		if a.status == http.StatusOK && len(a.body) > 1 {
			truncate(w, a)
			return 0
		}
	}
	return a.status
}

// reset closes the connection with a TCP RST, no answer at all.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) //nolint:errcheck // best effort: a plain close is still a cut
	}
	conn.Close()
}

// truncate promises the whole body and sends half, then closes.
func truncate(w http.ResponseWriter, a *answer) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	writeRaw(rw.Writer, a, len(a.body)/2)
}

func writeRaw(bw *bufio.Writer, a *answer, n int) {
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\nContent-Type: application/rdap+json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n",
		a.status, http.StatusText(a.status), strconv.Itoa(len(a.body)))
	bw.Write(a.body[:n]) //nolint:errcheck // the connection is closed next either way
	bw.Flush()           //nolint:errcheck
}
