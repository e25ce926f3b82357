package serve

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/mapimg"
)

// ProgressFunc reads the latest crawl run of the database served and,
// while it is unfinished, its progress per registry; ipatlas.ErrNotFound
// when there has been no crawl.
type ProgressFunc func(ctx context.Context) (ipatlas.Run, []ipatlas.Progress, error)

// progressEvery is how long an answer of GET /map/progress is reused:
// reading a run's progress reads every unit of it, and every open page
// polls.
const progressEvery = 5 * time.Second

// GET /map/progress answers {"crawling": false} when there is no crawl
// or the latest run is finished (with its run, started and finished),
// and while it runs {"crawling": true, "run", "started", "registries":
// [{registry, title, color, units, units_done, ipv4_percent,
// ipv6_percent, networks, failures, queries, throttled}]}.
type progressCache struct {
	read ProgressFunc
	now  func() time.Time

	mu   sync.Mutex
	at   time.Time
	body []byte
}

type progressDoc struct {
	Crawling   bool               `json:"crawling"`
	Run        int64              `json:"run,omitempty"`
	Started    string             `json:"started,omitempty"`
	Finished   string             `json:"finished,omitempty"`
	Registries []registryProgress `json:"registries,omitempty"`
}

type registryProgress struct {
	Registry  string  `json:"registry"`
	Title     string  `json:"title"`
	Color     string  `json:"color"`
	Units     int     `json:"units"`
	UnitsDone int     `json:"units_done"`
	IPv4      float64 `json:"ipv4_percent"`
	IPv6      float64 `json:"ipv6_percent"`
	Networks  int     `json:"networks"`
	Failures  int     `json:"failures"`
	Queries   int64   `json:"queries"`
	Throttled int64   `json:"throttled"`
}

func (p *progressCache) serve(w http.ResponseWriter, r *http.Request) {
	body, err := p.get(r.Context())
	if err != nil {
		fail(w, http.StatusServiceUnavailable, "crawl progress: "+err.Error())
		return
	}
	w.Header()["Content-Type"] = jsonType
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}

// get is the answer, read anew when the last one is older than
// progressEvery. Requests wait for one read rather than each making its
// own.
func (p *progressCache) get(ctx context.Context) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.body != nil && now.Sub(p.at) < progressEvery {
		return p.body, nil
	}
	doc, err := p.readDoc(ctx)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	p.body, p.at = body, now
	return body, nil
}

func (p *progressCache) readDoc(ctx context.Context) (progressDoc, error) {
	if p.read == nil {
		return progressDoc{}, nil
	}
	run, prog, err := p.read(ctx)
	if errors.Is(err, ipatlas.ErrNotFound) {
		return progressDoc{}, nil
	}
	if err != nil {
		return progressDoc{}, err
	}
	doc := progressDoc{Crawling: run.Finished.IsZero(), Run: run.ID, Started: run.Started.UTC().Format(time.RFC3339)}
	if !doc.Crawling {
		doc.Finished = run.Finished.UTC().Format(time.RFC3339)
		return doc, nil
	}
	for _, pr := range prog {
		reg := mapimg.RegOf(string(pr.Registry))
		doc.Registries = append(doc.Registries, registryProgress{Registry: string(pr.Registry), Title: pr.Registry.Title(),
			Color: hexColor(mapimg.RegistryColor(reg)), Units: pr.Units, UnitsDone: pr.UnitsDone,
			IPv4: round2(pr.IPv4.Percent()), IPv6: round2(pr.IPv6.Percent()), Networks: pr.Networks, Failures: pr.Failures,
			Queries: pr.Counts.Queries, Throttled: pr.Counts.Throttled})
	}
	return doc, nil
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }
