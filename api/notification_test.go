package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kaohe/api"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// notification is the JSON of an outbox message.
type notification struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	Unit      string `json:"unit"`
	Recipient string `json:"recipient"`
	State     string `json:"state"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
	// LastAttemptAt is when the mail server last answered (nil: never).
	LastAttemptAt *time.Time `json:"last_attempt_at"`
}

// counts is the JSON of GET /api/v1/notifications/counts.
type counts struct {
	Pending int `json:"pending"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
	Expired int `json:"expired"`
}

// seedOutbox enqueues three reminders for gjz and leaves them sent, failed
// and pending; it returns their ids in that order.
func (e *env) seedOutbox() (sent, failed, pending int64) {
	e.t.Helper()
	now := e.clock.Now()
	var ms []workflow.OutboxMessage
	for _, to := range []string{"a@gjz.example.cn", "b@gjz.example.cn", "c@gjz.example.cn"} {
		ms = append(ms, workflow.OutboxMessage{Kind: workflow.NoticeReminder, Unit: "gjz", Deadline: "submission:2019-06-13", Lead: 1,
			Recipient: to, Subject: "【考核提醒】", Text: "正文", NextAttemptAt: now, CreatedAt: now})
	}
	err := e.app.Store.Update(context.Background(), func(tx service.Tx) error {
		if _, err := tx.EnqueueMessages(ms); err != nil {
			return err
		}
		got, err := tx.ClaimMessages("t", now, now.Add(60e9), 2)
		if err != nil {
			return err
		}
		sent, failed = got[0].ID, got[1].ID
		if err := tx.RecordSend(workflow.SendResult{ID: sent, Claim: "t", At: now}); err != nil {
			return err
		}
		return tx.RecordSend(workflow.SendResult{ID: failed, Claim: "t", At: now, Err: "550 5.1.1 no such user"})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return sent, failed, failed + 1
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			sent, failed, pending := e.seedOutbox()

			t.Run("the office lists failed messages with their error", func(t *testing.T) {
				var out []notification
				e.mustDecode("GET", "/api/v1/notifications?state=failed", "office", nil, 200, &out)
				if len(out) != 1 || out[0].ID != failed || out[0].LastError != "550 5.1.1 no such user" || out[0].Recipient != "b@gjz.example.cn" {
					t.Fatalf("failed: %+v", out)
				}
				e.mustDecode("GET", "/api/v1/notifications", "office", nil, 200, &out)
				if len(out) != 3 {
					t.Fatalf("all: %+v", out)
				}
			})
			t.Run("a failed message tells when the server refused it", func(t *testing.T) {
				var out []notification
				e.mustDecode("GET", "/api/v1/notifications?state=failed", "office", nil, 200, &out)
				if len(out) != 1 || out[0].LastAttemptAt == nil || !out[0].LastAttemptAt.Equal(e.clock.Now()) {
					t.Fatalf("failed: %+v, want the last attempt at %s", out, e.clock.Now())
				}
				var pending []notification
				e.mustDecode("GET", "/api/v1/notifications?state=pending", "office", nil, 200, &pending)
				if len(pending) != 1 || pending[0].LastAttemptAt != nil {
					t.Fatalf("a message never sent: %+v", pending)
				}
			})
			t.Run("the office counts messages by state, of all units or one", func(t *testing.T) {
				for _, tc := range []struct {
					query string
					want  counts
				}{
					{"", counts{Pending: 1, Sent: 1, Failed: 1}},
					{"?unit=gjz", counts{Pending: 1, Sent: 1, Failed: 1}},
					{"?unit=zs", counts{}},
					{"?unit=nowhere", counts{}},
				} {
					var got counts
					e.mustDecode("GET", "/api/v1/notifications/counts"+tc.query, "office", nil, 200, &got)
					if got != tc.want {
						t.Errorf("counts%s = %+v, want %+v", tc.query, got, tc.want)
					}
				}
			})
			t.Run("units and viewers may not list or resend", func(t *testing.T) {
				for _, role := range []string{"unitA", "viewer"} {
					e.mustDo("GET", "/api/v1/notifications?state=failed", role, nil, 403)
					e.mustDo("GET", "/api/v1/notifications/counts", role, nil, 403)
					e.mustDo("POST", fmt.Sprintf("/api/v1/notifications/%d/resend", failed), role, nil, 403)
				}
				e.mustDo("GET", "/api/v1/notifications", "", nil, 401)
			})
			t.Run("an unknown state or limit is 400", func(t *testing.T) {
				if e := decodeError(t, e.mustDo("GET", "/api/v1/notifications?state=lost", "office", nil, 400)); e.Error.Code != "invalid" {
					t.Fatalf("%+v", e)
				}
				e.mustDo("GET", "/api/v1/notifications?limit=0", "office", nil, 400)
			})
			t.Run("a sent or pending message is never resent; unknown ids are 404", func(t *testing.T) {
				for _, id := range []int64{sent, pending} {
					b := e.mustDo("POST", fmt.Sprintf("/api/v1/notifications/%d/resend", id), "office", nil, 409)
					if d := decodeError(t, b); d.Error.Code != "wrong_state" {
						t.Fatalf("%+v", d)
					}
				}
				e.mustDo("POST", "/api/v1/notifications/999999/resend", "office", nil, 404)
				e.mustDo("POST", "/api/v1/notifications/abc/resend", "office", nil, 404)
			})
			t.Run("resend puts a failed message back in the queue once, audited", func(t *testing.T) {
				var n notification
				e.mustDecode("POST", fmt.Sprintf("/api/v1/notifications/%d/resend", failed), "office", nil, 200, &n)
				if n.State != "pending" || n.Attempts != 0 {
					t.Fatalf("after resend: %+v", n)
				}
				e.mustDo("POST", fmt.Sprintf("/api/v1/notifications/%d/resend", failed), "office", nil, 409)
				var failedNow []notification
				e.mustDecode("GET", "/api/v1/notifications?state=failed", "office", nil, 200, &failedNow)
				if len(failedNow) != 0 {
					t.Fatalf("still failed: %+v", failedNow)
				}
				var c counts
				e.mustDecode("GET", "/api/v1/notifications/counts", "office", nil, 200, &c)
				if c != (counts{Pending: 2, Sent: 1}) {
					t.Fatalf("counts after resend: %+v", c)
				}
				var audit []workflow.AuditEntry
				e.mustDecode("GET", "/api/v1/audit?action=notification.resend", "office", nil, 200, &audit)
				if len(audit) != 1 || audit[0].Actor != "admin" || audit[0].Unit != "gjz" {
					t.Fatalf("audit: %+v", audit)
				}
			})
		})
	}
}

// TestResendAfterTheDeadlineIsRefused: a failed reminder whose deadline
// has passed is not sent again (it would announce a deadline that is over):
// 409, and it stays failed. Before the deadline it is requeued and keeps
// its expiry.
func TestResendAfterTheDeadlineIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	now := e.clock.Now()
	deadline := time.Date(2019, 6, 13, 17, 30, 0, 0, shanghai)
	var ids []int64
	err := e.app.Store.Update(context.Background(), func(tx service.Tx) error {
		var ms []workflow.OutboxMessage
		for _, to := range []string{"a@gjz.example.cn", "b@gjz.example.cn"} {
			ms = append(ms, workflow.OutboxMessage{Kind: workflow.NoticeReminder, Unit: "gjz", Deadline: "submission:2019-06-13", Lead: 1,
				Recipient: to, Subject: "【考核提醒】", Text: "正文", NextAttemptAt: now, CreatedAt: now, ExpiresAt: &deadline})
		}
		if _, err := tx.EnqueueMessages(ms); err != nil {
			return err
		}
		got, err := tx.ClaimMessages("t", now, now.Add(time.Minute), 2)
		if err != nil {
			return err
		}
		for _, m := range got {
			ids = append(ids, m.ID)
			if err := tx.RecordSend(workflow.SendResult{ID: m.ID, Claim: "t", At: now, Err: "550 mailbox unavailable"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(ids) != 2 {
		t.Fatalf("seed: %v %v", ids, err)
	}

	var n struct {
		State     string     `json:"state"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	e.clock.Set(deadline.Add(-time.Hour))
	e.mustDecode("POST", fmt.Sprintf("/api/v1/notifications/%d/resend", ids[0]), "office", nil, 200, &n)
	if n.State != "pending" || n.ExpiresAt == nil || !n.ExpiresAt.Equal(deadline) {
		t.Fatalf("resent before the deadline: %+v", n)
	}

	e.clock.Set(deadline.Add(time.Minute))
	status, out := e.do("POST", fmt.Sprintf("/api/v1/notifications/%d/resend", ids[1]), "office", nil)
	if status != 409 || !strings.Contains(decodeError(t, out).Error.Message, "截止时间已过") {
		t.Fatalf("resend after the deadline: %d %s", status, out)
	}
	var failed []notification
	e.mustDecode("GET", "/api/v1/notifications?state=failed", "office", nil, 200, &failed)
	if len(failed) != 1 || failed[0].ID != ids[1] {
		t.Fatalf("the refused message is no longer failed: %+v", failed)
	}
}

// TestMetrics: /metrics answers in the Prometheus text format with the
// requests counted by route pattern and status.
func TestMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	reg := prometheus.NewRegistry()
	s := &api.Server{Service: e.svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: reg}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, p := range []string{"/healthz", "/api/v1/units/gjz", "/api/v1/units/zs", "/nowhere"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
	}
	for _, want := range []string{
		"# TYPE kaohe_http_requests_total counter",
		`kaohe_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`kaohe_http_requests_total{method="GET",route="/api/v1/units/:unit",status="401"} 2`,
		`kaohe_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		"kaohe_http_request_duration_seconds_bucket",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q:\n%s", want, b)
		}
	}
}
