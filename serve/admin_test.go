package serve_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/serve"
)

const testToken = "s3cret-token-for-tests-only"

// post sends a POST with an Authorization header (none when auth is "")
// and returns the status, the WWW-Authenticate challenge and the body.
func post(t *testing.T, url, auth, body string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !json.Valid(b) {
		t.Errorf("POST %s: not JSON: %s", url, b)
	}
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(b)
}

// TestAdminReload: POST /admin/reload wants the bearer token: missing or
// wrong is a 401 with a Bearer challenge and nothing reloaded; the right
// one reloads, and the new index is served; a body is refused past a few
// KiB; other methods are 405s; a failed reload is a 500.
func TestAdminReload(t *testing.T) {
	live := serve.NewLive(buildIndex(t, 2))
	t.Cleanup(func() { live.Close() })
	var reloads atomic.Int32
	var failNext atomic.Bool
	reload := func(context.Context) (bool, error) {
		if failNext.Swap(false) {
			return false, errors.New("database locked")
		}
		reloads.Add(1)
		live.Swap(buildIndex(t, 3))
		return true, nil
	}
	srv := "http://" + startServe(t, live, serve.Options{Token: testToken, Reload: reload}, 5*time.Second).addr
	url := srv + "/admin/reload"
	for _, c := range []struct{ auth, challenge string }{
		{"", `Bearer realm="ipatlas admin"`},
		{"Bearer", `Bearer realm="ipatlas admin", error="invalid_token"`},
		{"Bearer wrong", `Bearer realm="ipatlas admin", error="invalid_token"`},
		{"Bearer " + testToken + "x", `Bearer realm="ipatlas admin", error="invalid_token"`},
		{"Bearer " + testToken[:len(testToken)-1], `Bearer realm="ipatlas admin", error="invalid_token"`},
		{"Basic " + testToken, `Bearer realm="ipatlas admin", error="invalid_request"`},
	} {
		status, challenge, body := post(t, url, c.auth, "")
		if status != 401 || challenge != c.challenge || !strings.Contains(body, `"error"`) {
			t.Errorf("Authorization %q: %d %q %s\nwant 401 with %q", c.auth, status, challenge, body, c.challenge)
		}
	}
	if status, _, body := post(t, url, "Bearer "+testToken, strings.Repeat("x", 5000)); status != 413 {
		t.Errorf("a 5,000-byte body: %d %s, want 413", status, body)
	}
	if status, body := get(t, "GET", url, ""); status != 405 {
		t.Errorf("GET: %d %s, want 405", status, body)
	}
	if n := reloads.Load(); n != 0 || len(live.Index().Snapshots()) != 2 {
		t.Fatalf("%d reloads, %d snapshots served before any authorized request", n, len(live.Index().Snapshots()))
	}
	status, _, body := post(t, url, "bearer "+testToken, "")
	if status != 200 || reloads.Load() != 1 || !strings.Contains(body, `"reloaded":true,"snapshots":3`) {
		t.Errorf("with the token: %d %s, %d reloads", status, body, reloads.Load())
	}
	if _, body := get(t, "GET", srv+"/healthz", ""); !strings.Contains(body, `"snapshots":3`) {
		t.Errorf("after the reload: %s", body)
	}
	failNext.Store(true)
	if status, _, body := post(t, url, "Bearer "+testToken, ""); status != 500 || !strings.Contains(body, "database locked") {
		t.Errorf("failed reload: %d %s", status, body)
	}
}

// TestAdminDisabledWithoutToken: with no token configured the route is
// off, whatever is sent.
func TestAdminDisabledWithoutToken(t *testing.T) {
	called := false
	srv, _ := newServer(t, serve.Options{Reload: func(context.Context) (bool, error) { called = true; return true, nil }})
	for _, auth := range []string{"", "Bearer ", "Bearer anything"} {
		status, _, body := post(t, srv+"/admin/reload", auth, "")
		if status != 404 || !strings.Contains(body, "disabled") {
			t.Errorf("Authorization %q: %d %s, want 404 saying it is disabled", auth, status, body)
		}
	}
	if called {
		t.Error("reloaded with no token configured")
	}
}

// TestPathTraversalFindsNothing: paths that climb out of the routes, plain
// or escaped, reach no file: each is a 404 (400 where RDAP reads the
// segment as a malformed address), never a file's content.
func TestPathTraversalFindsNothing(t *testing.T) {
	srv := rdapServer(t, serve.Options{Token: testToken, Reload: func(context.Context) (bool, error) { return false, nil }})
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/../../../../etc/passwd", 404},
		{"/ip/../../../etc/passwd", 404},
		{"/rdap/../../etc/passwd", 404},
		{"/rdap/help/../../../etc/passwd", 404},
		{"/%2e%2e/%2e%2e/etc/passwd", 404},
		{"/..%2f..%2fetc%2fpasswd", 404},
		{"/rdap/entity/..%2f..%2f..%2fetc%2fpasswd", 404},
		{"/rdap/entity/....//....//etc/passwd", 404},
		{"/admin/../../etc/shadow", 404},
		{"/web/..%2f..%2f..%2fetc%2fpasswd", 404},
		{"/web/%2e%2e/%2e%2e/etc/passwd", 404},
		{"/web/../../../etc/passwd", 404},
		{"/rdap/ip/..%2f..%2fetc%2fpasswd", 400},
		{"/ip/..%2f..%2fetc%2fpasswd", 400},
	} {
		resp, err := http.Get(srv + c.path) // redirects to cleaned paths are followed
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || strings.Contains(string(b), "root:") || !json.Valid(b) {
			t.Errorf("%s: %d %s, want %d and a JSON error", c.path, resp.StatusCode, b, c.status)
		}
	}
}

// TestRequestSizeLimits: a bulk body past MaxBody, a bulk list past
// BulkLimit and a header block past 64 KiB are refused whole, through the
// lean path and net/http as `serve` runs them.
func TestRequestSizeLimits(t *testing.T) {
	live := serve.NewLive(buildIndex(t, 3))
	t.Cleanup(func() { live.Close() })
	addr := startServe(t, live, serve.Options{BulkLimit: 2, MaxBody: 1 << 10}, 5*time.Second).addr
	if status, body := get(t, "POST", "http://"+addr+"/ip", strings.Repeat("10.0.0.1\n", 200)); status != 413 {
		t.Errorf("a 1,800-byte bulk body: %d %s, want 413", status, body)
	}
	if status, body := get(t, "POST", "http://"+addr+"/ip", `["10.0.0.1","10.0.0.2","10.0.0.3"]`); status != 413 {
		t.Errorf("3 addresses: %d %s, want 413", status, body)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go c.Write([]byte("GET /rdap/ip/10.0.0.1 HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n"))
	line := make([]byte, 64)
	n, _ := io.ReadAtLeast(c, line, len("HTTP/1.1 431"))
	if !strings.HasPrefix(string(line[:n]), "HTTP/1.1 431") {
		t.Errorf("a 70 KiB header: %q, want a 431", line[:n])
	}
}
