package serve

import "net/http"

// rdapFields are the header fields of every RDAP answer on the lean path,
// as writeRDAP sets them.
const rdapFields = "Access-Control-Allow-Origin: *\r\nContent-Type: application/rdap+json"

// answerRDAP appends the whole HTTP answer to a lean GET /rdap/ip/{addr}:
// what the handler's route answers, with the same status and body.
func (s *server) answerRDAP(out []byte, r leanRequest, t *leanTally) []byte {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	var status int
	var body []byte
	q, err := parseIPQuery(r.addr, "", r.query)
	if err != nil {
		status, body = http.StatusBadRequest, appendRDAPError((*bp)[:0], http.StatusBadRequest, err.Error())
	} else {
		base := linkBase{fixed: s.rdapBase, host: r.host}
		h := s.live.acquire()
		status, body = answerIP((*bp)[:0], h.ix, base, q)
		h.release()
	}
	*bp = body
	t.countRDAP(status)
	return append(appendHead(out, status, rdapFields, len(body), r.close), body...)
}
