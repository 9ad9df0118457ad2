package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kaohe/configs"
	"kaohe/internal/app"
	"kaohe/internal/testenv"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// seed prepares a data directory as the office would have it on June 11
// 2019: the 14 units of testdata with two contacts each, and five of them
// with submitted tables.
func seed(t *testing.T, dir string, submitted []string) []workflow.Unit {
	t.Helper()
	return seedStore(t, dirConfig(dir), submitted)
}

// seedStore is seed on any database.
func seedStore(t *testing.T, cfg *configs.Config, submitted []string) []workflow.Unit {
	t.Helper()
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	a := openWith(t, cfg, workflow.NewManualClock(time.Date(2019, 6, 11, 10, 0, 0, 0, sh)))
	defer a.Close(ctx)
	svc := a.Service
	var units []workflow.Unit
	testenv.ReadJSON(t, "../../testdata/units-2019.json", &units)
	doc, err := os.ReadFile("../../testdata/submission-2019.json")
	if err != nil {
		t.Fatal(err)
	}
	var in workflow.Document
	if err := json.Unmarshal(doc, &in); err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if _, err := svc.CreateUnit(ctx, service.SystemActor, service.NewUnit{Code: u.Code, Name: u.Name, Contacts: contacts(u.Code)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range submitted {
		who := service.Actor{Username: u, Role: workflow.RoleUnit, Unit: u}
		if _, _, err := svc.PutSubmission(ctx, who, 2019, u, 0, in); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Submit(ctx, who, 2019, u, service.SubmitRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	return units
}

// dirConfig is the configuration of the data directory dir, on SQLite.
func dirConfig(dir string) *configs.Config {
	cfg := configs.Default()
	cfg.Data = dir
	cfg.Login.BcryptCost = bcrypt.MinCost
	cfg.Jobs.Enabled = false
	return cfg
}

// openWith opens the program on cfg as a one-shot command would, with the
// clock and without jobs.
func openWith(t *testing.T, cfg *configs.Config, clock workflow.Clock) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), cfg, clock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func contacts(unit string) []workflow.Contact {
	return []workflow.Contact{
		{Name: "王明", Duty: "head", Position: "办公室主任", Phone: "0411-86641234", Mobile: "13804110001", Email: "head@" + unit + ".example.cn"},
		{Name: "李婷", Duty: "staff", Position: "督查工作人员", Phone: "0411-86641235", Mobile: "15942410002", Email: "staff@" + unit + ".example.cn"},
	}
}

// outboxMails reads the .eml files of DATA/outbox: recipient → subjects.
func outboxMails(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, m := range testenv.Mails(t, filepath.Join(dir, "outbox")) {
		to, err := mail.ParseAddress(m.To)
		if err != nil {
			t.Fatal(err)
		}
		out[to.Address] = append(out[to.Address], m.Key+" "+m.Subject)
	}
	return out
}

func startMain(t *testing.T, env map[string]string) *Main {
	t.Helper()
	m := NewMain(func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err := m.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	return m
}

// metric reads one line of GET /metrics.
func metric(t *testing.T, m *Main, prefix string) string {
	t.Helper()
	resp, err := http.Get("http://" + m.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// waitFor polls cond (real time: the server runs its own goroutines) for up
// to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within a minute: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReminderOnStart is the acceptance check of the jobs: a server started
// with KAOHE_CLOCK_START=2019-06-12T10:00:00+08:00 and no SMTP address
// writes, within a minute, exactly one 1-day reminder for the June 13
// deadline to each contact of each unit that has not submitted, and
// nothing to the five that have; restarted, it writes nothing more.
func TestReminderOnStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	submitted := []string{"zs", "xg", "sh", "gjz", "lsk"}
	units := seed(t, dir, submitted)
	env := map[string]string{
		"KAOHE_DATA": dir, "KAOHE_ADDR": "127.0.0.1:0", "KAOHE_ADMIN_PASSWORD": "admin-password",
		"KAOHE_CLOCK_START": "2019-06-12T10:00:00+08:00", "KAOHE_OFFICE_EMAIL": "bgs@dlzgh.example.cn",
	}
	want := map[string][]string{}
	done := map[string]bool{}
	for _, u := range submitted {
		done[u] = true
	}
	for _, u := range units {
		if done[u.Code] {
			continue
		}
		for _, c := range contacts(u.Code) {
			want[c.Email] = []string{"reminder/" + u.Code + "/submission:2019-06-13/1/" + c.Email +
				" 【考核提醒】" + u.Name + "：2019年度实绩考核指标表报送将于2019年6月13日（星期四） 17:30截止"}
		}
	}
	if len(want) != 18 {
		t.Fatalf("test setup: %d recipients", len(want))
	}

	m := startMain(t, env)
	waitFor(t, "18 reminders written", func() bool { return len(outboxMails(t, dir)) >= len(want) })
	waitFor(t, "outbox drained", func() bool {
		return metric(t, m, `kaohe_outbox_messages{state="sent"}`) == `kaohe_outbox_messages{state="sent"} 18`
	})
	if l := metric(t, m, `kaohe_job_runs_total{job="reminders",result="ok"}`); l == "" {
		t.Error("/metrics has no reminders job runs")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	got := outboxMails(t, dir)
	if !equalMails(got, want) {
		t.Fatalf("mails:\n%v\nwant:\n%v", got, want)
	}

	// Restart: the first tick runs at start; once it has run and the
	// outbox is idle, nothing new may have been written.
	m = startMain(t, env)
	defer m.Close()
	waitFor(t, "a reminder pass after the restart", func() bool {
		return metric(t, m, `kaohe_job_runs_total{job="reminders",result="ok"}`) != ""
	})
	if l := metric(t, m, `kaohe_outbox_messages{state="pending"}`); l != `kaohe_outbox_messages{state="pending"} 0` {
		t.Errorf("after restart: %s", l)
	}
	if got := outboxMails(t, dir); !equalMails(got, want) {
		t.Fatalf("after restart:\n%v", got)
	}
}

func equalMails(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w := b[k]
		sort.Strings(v)
		sort.Strings(w)
		if strings.Join(v, "|") != strings.Join(w, "|") {
			return false
		}
	}
	return true
}
