package api

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// instrument counts HTTP requests by route (the registered pattern, never
// the raw path, so that codes and ids do not explode the label set),
// method and status, and observes their durations, on reg. It also serves
// GET /metrics in the Prometheus text format.
func (s *Server) instrument(r *gin.Engine, reg *prometheus.Registry) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaohe_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "kaohe_http_request_duration_seconds", Help: "HTTP request durations by route.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method"})
	reg.MustRegister(requests, duration)
	r.Use(func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
		duration.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
	})
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
}
