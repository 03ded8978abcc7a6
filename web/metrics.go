package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics serves the Prometheus metrics at GET /metrics. They are not on
// the server's own address, where anyone could read them: the program
// serves this handler on an address of its own that only the monitoring
// reaches.
func (s *Server) Metrics() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}))
	return mux
}
