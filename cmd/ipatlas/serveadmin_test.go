package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeAdminReload: with --reload 0 a new snapshot is not served
// until POST /admin/reload, which a wrong token cannot make happen and the
// --token can.
func TestServeAdminReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "admin.db")
	if code, out, errOut := runCmd(t, "load", "--db", db, writeSnapshot(t, dir, "2024-01-01", [3]string{"10.0.0.0", "10.0.0.255", "first holder"})); code != 0 {
		t.Fatalf("load: exit %d\n%s%s", code, out, errOut)
	}
	const token = "a-token-of-twenty-six-chars"
	addr, stop := startServe(t, db, "--reload", "0", "--token", token)
	defer stop()
	lookup := func() string {
		resp, err := http.Get("http://" + addr + "/rdap/ip/10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	reload := func(auth string) (int, string) {
		req, _ := http.NewRequest("POST", "http://"+addr+"/admin/reload", nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, out, errOut := runCmd(t, "load", "--db", db, writeSnapshot(t, dir, "2024-02-01", [3]string{"10.0.0.0", "10.0.0.255", "second holder"})); code != 0 {
		t.Fatalf("load: exit %d\n%s%s", code, out, errOut)
	}
	if got := lookup(); !strings.Contains(got, "first holder") {
		t.Fatalf("before any reload: %s", got)
	}
	if status, body := reload("Bearer " + strings.ToUpper(token)); status != 401 || !strings.Contains(lookup(), "first holder") {
		t.Errorf("wrong token: %d %s; want a 401 and the old snapshot served", status, body)
	}
	if status, body := reload("Bearer " + token); status != 200 || !strings.Contains(body, `"reloaded":true,"snapshots":2`) {
		t.Errorf("the token: %d %s", status, body)
	}
	if got := lookup(); !strings.Contains(got, "second holder") {
		t.Errorf("after the reload: %s", got)
	}
	if status, body := reload("Bearer " + token); status != 200 || !strings.Contains(body, `"reloaded":false`) {
		t.Errorf("nothing new: %d %s", status, body)
	}
}

// TestServeTokenChecks: the token comes from $IPATLAS_TOKEN when --token
// is not given, and a short one is refused, as is an --rdap-base that is
// not an http URL.
func TestServeTokenChecks(t *testing.T) {
	t.Setenv(tokenEnv, "short")
	db := filepath.Join(t.TempDir(), "none.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "$IPATLAS_TOKEN): want at least 16 characters"},
		{[]string{"--token", "also-short"}, "want at least 16 characters"},
		{[]string{"--token", "long-enough-token-1234", "--rdap-base", "ftp://x/rdap"}, "want an http or https URL"},
	} {
		code, _, errOut := runCmd(t, append([]string{"serve", "--db", db, "--listen", "127.0.0.1:0"}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("serve %v: exit %d\n%s\nwant a usage error saying %q", c.args, code, errOut, c.want)
		}
	}
}
