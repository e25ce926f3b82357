package main

import (
	"context"
	"flag"
	"net/url"
	"os"
	"sync"

	"github.com/ipatlas/ipatlas/serve"
)

// tokenEnv names the variable serve reads its admin token from when
// --token is not given: a flag's value shows in the process list.
const tokenEnv = "IPATLAS_TOKEN"

// minTokenLen bounds how short a token may be: a bearer token is all that
// guards the admin route, so it must not be guessable.
const minTokenLen = 16

// adminFlags are serve's flags for its state-changing route and for the
// links its RDAP answers hold.
type adminFlags struct {
	token    *string
	rdapBase *string
}

func addAdminFlags(fs *flag.FlagSet) *adminFlags {
	return &adminFlags{
		token: fs.String("token", "", "bearer `TOKEN` that POST /admin/reload requires (default: $"+tokenEnv+
			", which keeps it out of the process list); with neither, the route is off"),
		rdapBase: fs.String("rdap-base", "", "public `URL` of the RDAP service, which its answers' links start with\n(default: http://HOST/rdap, HOST from each request)"),
	}
}

// check reads the token from the environment when no flag gives it, and
// checks both values.
func (f *adminFlags) check() error {
	if *f.token == "" {
		*f.token = os.Getenv(tokenEnv)
	}
	if t := *f.token; t != "" && len(t) < minTokenLen {
		return usageErr("--token (or $%s): want at least %d characters", tokenEnv, minTokenLen)
	}
	if b := *f.rdapBase; b != "" {
		if u, err := url.Parse(b); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr("--rdap-base %q: want an http or https URL, e.g. https://rdap.example.net/rdap", b)
		}
	}
	return nil
}

// apply sets the options the flags give: the token, the reload it guards
// and the links' base.
func (f *adminFlags) apply(o *serve.Options, r *reloader) {
	o.Token, o.Reload, o.RDAPBase = *f.token, r.reload, *f.rdapBase
}

// reloader reloads the served index from the database, one reload at a
// time whether the --reload ticker or POST /admin/reload asks.
type reloader struct {
	mu   sync.Mutex
	db   string
	live *serve.Live
}

// reload swaps in a new index when the database's history changed,
// reporting whether it did.
func (r *reloader) reload(ctx context.Context) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	before := r.live.Index()
	err := reloadIfChanged(ctx, r.db, r.live)
	return r.live.Index() != before, err
}
