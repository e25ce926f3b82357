package main

import (
	"net/http"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
)

// crawlMetrics is a placeholder until the metrics package lands.
func crawlMetrics(cr *crawl.Crawler, store ipatlas.Store) http.Handler {
	_ = unitsOf(cr, store)
	return http.NotFoundHandler()
}
