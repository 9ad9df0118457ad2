package jobs

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Metrics are the jobs' Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	sends    *prometheus.CounterVec
	isLeader prometheus.Gauge
}

// NewMetrics registers the jobs' metrics on reg: kaohe_job_runs_total
// {job,result}, kaohe_job_duration_seconds{job}, kaohe_mail_sends_total
// {outcome}, kaohe_jobs_leader, and kaohe_outbox_messages{state}, which
// counts the outbox by state in the database at each scrape.
func NewMetrics(reg prometheus.Registerer, store service.Store) *Metrics {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kaohe_job_runs_total", Help: "Scheduled job runs by job and result (ok, error).",
		}, []string{"job", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kaohe_job_duration_seconds", Help: "Duration of scheduled job runs.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 30},
		}, []string{"job"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kaohe_mail_sends_total", Help: "Outbox send outcomes (sent, retry, deferred, failed, expired, unavailable).",
		}, []string{"outcome"}),
		isLeader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kaohe_jobs_leader", Help: "1 while this server holds the jobs lease.",
		}),
	}
	reg.MustRegister(m.runs, m.duration, m.sends, m.isLeader, &outboxCollector{store: store})
	return m
}

func (m *Metrics) job(name string, d time.Duration, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.runs.WithLabelValues(name, result).Inc()
	m.duration.WithLabelValues(name).Observe(d.Seconds())
}

func (m *Metrics) send(outcome string) {
	if m == nil {
		return
	}
	m.sends.WithLabelValues(outcome).Inc()
}

func (m *Metrics) leader(held bool) {
	if m == nil {
		return
	}
	if held {
		m.isLeader.Set(1)
	} else {
		m.isLeader.Set(0)
	}
}

// outboxCollector reports the outbox's messages by state, read from the
// database at scrape time, so every server shows the same numbers.
type outboxCollector struct{ store service.Store }

var outboxDesc = prometheus.NewDesc("kaohe_outbox_messages", "Outbox messages by state.", []string{"state"}, nil)

// Describe sends the metric's description.
func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxDesc }

// Collect counts the outbox by state (every state, zero included).
func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var counts map[workflow.OutboxState]int
	err := c.store.View(ctx, func(tx service.Tx) (err error) {
		counts, err = tx.CountMessages()
		return err
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDesc, err)
		return
	}
	for _, s := range []workflow.OutboxState{workflow.OutboxPending, workflow.OutboxSent, workflow.OutboxFailed, workflow.OutboxExpired} {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(counts[s]), string(s))
	}
}
