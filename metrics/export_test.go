package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipatlas/ipatlas/crawl"
)

// CrawlAt is Crawl on a clock of the test's, so the units cache can be
// aged without sleeping.
func CrawlAt(cr *crawl.Crawler, units UnitsFunc, now func() time.Time) prometheus.Collector {
	return newCrawlCollector(cr, units, now)
}
