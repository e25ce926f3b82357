package serve

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// patternReload is the one route that changes anything: it reloads the
// index at once rather than at the next --reload tick.
const patternReload = "/admin/reload"

// maxAdminBody bounds what POST /admin/reload reads of a body: it takes
// none, and a client sending more is refused rather than read.
const maxAdminBody = 4 << 10

// bearerChallenge is the WWW-Authenticate challenge of a 401 (RFC 6750
// §3); a rejected token adds its error code.
const bearerChallenge = `Bearer realm="ipatlas admin"`

// admin guards the state-changing route with a bearer token.
type admin struct {
	live   *Live
	reload func(ctx context.Context) (changed bool, err error)
	// digest is the token's SHA-256: comparing digests in constant time
	// leaks neither the token's bytes nor its length.
	digest  [sha256.Size]byte
	enabled bool
}

// registerAdmin adds POST /admin/reload to mux: enabled when o has a
// token and a reload function, else a 404 saying how to enable it.
func registerAdmin(mux *http.ServeMux, live *Live, o Options) {
	a := &admin{live: live, reload: o.Reload, enabled: o.Token != "" && o.Reload != nil}
	if a.enabled {
		a.digest = sha256.Sum256([]byte(o.Token))
	}
	mux.HandleFunc(patternReload, a.serveReload)
}

// serveReload reloads the index for a client with the token, and says
// whether it changed and what is served now.
func (a *admin) serveReload(w http.ResponseWriter, r *http.Request) {
	if !a.enabled {
		fail(w, http.StatusNotFound, "POST /admin/reload is disabled: the server has no token (serve --token, or IPATLAS_TOKEN)")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		fail(w, http.StatusMethodNotAllowed, "use POST /admin/reload")
		return
	}
	if !a.authorized(w, r) {
		return
	}
	if _, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxAdminBody)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("POST /admin/reload takes no body (at most %d bytes)", maxAdminBody))
			return
		}
		fail(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	changed, err := a.reload(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, "reload: "+err.Error())
		return
	}
	ix := a.live.Index()
	w.Header()["Content-Type"] = jsonType
	fmt.Fprintf(w, `{"reloaded":%t,"snapshots":%d,"index_stamp":"%016x"}`, changed, len(ix.Snapshots()), ix.Stamp())
}

// authorized checks the request's bearer token (RFC 6750 §2.1), answering
// a 401 with a challenge when it is missing or wrong.
func (a *admin) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(auth, " ")
	switch {
	case auth == "":
		w.Header().Set("WWW-Authenticate", bearerChallenge)
		fail(w, http.StatusUnauthorized, "missing Authorization: Bearer TOKEN")
		return false
	case !strings.EqualFold(scheme, "Bearer"):
		w.Header().Set("WWW-Authenticate", bearerChallenge+`, error="invalid_request"`)
		fail(w, http.StatusUnauthorized, "want Authorization: Bearer TOKEN")
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	if subtle.ConstantTimeCompare(got[:], a.digest[:]) != 1 {
		w.Header().Set("WWW-Authenticate", bearerChallenge+`, error="invalid_token"`)
		fail(w, http.StatusUnauthorized, "wrong token")
		return false
	}
	return true
}
