package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kaohe/internal/testdb"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/store"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	testdb.Main(m)
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2019, month, day, hour, min, 0, 0, shanghai)
}

// quiet is a logger that discards everything.
var quiet = slog.New(slog.DiscardHandler)

// world is one test's server side: a store with the 2019 plan and the 14
// units of testdata, each with two complete contacts, a service on a
// manual clock, and the jobs wired as cmd/kaohe wires them.
type world struct {
	t      testing.TB
	db     *store.DB
	svc    *workflow.Service
	clock  *workflow.ManualClock
	plan   *workflow.Plan
	units  []workflow.Unit
	office []string
}

func openStore(t testing.TB, backend, dir string) *store.DB {
	t.Helper()
	o := store.Options{DataDir: dir, Logger: quiet}
	if backend == "mariadb" {
		o.DSN = testdb.MariaDB(t)
	}
	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newWorld(t testing.TB, backend string, start time.Time) *world {
	t.Helper()
	return newWorldOn(t, openStore(t, backend, t.TempDir()), start)
}

func newWorldOn(t testing.TB, db *store.DB, start time.Time) *world {
	t.Helper()
	clock := workflow.NewManualClock(start)
	w := &world{t: t, db: db, clock: clock, office: []string{"bgs@dlzgh.example.cn", "dcc@dlzgh.example.cn"},
		svc: &workflow.Service{Store: db, Clock: clock, BcryptCost: bcrypt.MinCost}}
	b, err := os.ReadFile("../configs/plans/2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if w.plan, err = workflow.LoadPlan(b); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := w.svc.LoadPlan(ctx, w.plan); err != nil {
		t.Fatal(err)
	}
	var units []workflow.Unit
	readJSON(t, "../testdata/units-2019.json", &units)
	for _, u := range units {
		_, err := w.svc.CreateUnit(ctx, workflow.SystemActor, workflow.NewUnit{Code: u.Code, Name: u.Name, Contacts: contactsOf(u.Code)})
		if err != nil {
			t.Fatal(err)
		}
	}
	w.units = units
	return w
}

// contactsOf returns the two supervision contacts of a unit.
func contactsOf(unit string) []workflow.Contact {
	return []workflow.Contact{
		{Name: "王明", Position: "办公室主任", Phone: "0411-86641234", Mobile: "13804110001", Email: "head@" + unit + ".example.cn"},
		{Name: "李婷", Position: "督查工作人员", Phone: "0411-86641235", Mobile: "15942410002", Email: "staff@" + unit + ".example.cn"},
	}
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func unitActor(unit string) workflow.Actor {
	return workflow.Actor{Username: unit, Role: workflow.RoleUnit, Unit: unit}
}

var officeActor = workflow.Actor{Username: "admin", Role: workflow.RoleOffice}

// draft stores the valid 2019 document as unit's draft at the clock's time.
func (w *world) draft(unit string) {
	w.t.Helper()
	b, err := os.ReadFile("../testdata/submission-2019.json")
	if err != nil {
		w.t.Fatal(err)
	}
	in, err := workflow.DecodeDocument(b)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, _, err := w.svc.PutSubmission(context.Background(), unitActor(unit), 2019, unit, 0, in.Document); err != nil {
		w.t.Fatalf("draft %s: %v", unit, err)
	}
}

func (w *world) submit(unit string) {
	w.t.Helper()
	if _, err := w.svc.Submit(context.Background(), unitActor(unit), 2019, unit, nil); err != nil {
		w.t.Fatalf("submit %s: %v", unit, err)
	}
}

func (w *world) giveBack(unit string) {
	w.t.Helper()
	if _, err := w.svc.Return(context.Background(), officeActor, 2019, unit, workflow.ReturnRequest{Comment: "请修改"}); err != nil {
		w.t.Fatalf("return %s: %v", unit, err)
	}
}

// rules are the default reminder settings.
var rules = workflow.ReminderRules{LeadDays: []int{7, 3, 1}, At: workflow.ClockTime{Hour: 9}}

// reminders returns the reminder pass of w.
func (w *world) reminders(data workflow.ReminderData) *jobs.Reminders {
	return &jobs.Reminders{Store: w.db, Clock: w.clock, Rules: rules, Data: data, Office: w.office, Log: quiet}
}

// memMailer records every mail it is given; it fails while down is set.
type memMailer struct {
	mu    sync.Mutex
	clock workflow.Clock
	sent  []sentMail
	down  bool
}

type sentMail struct {
	Mail *jobs.Mail
	At   time.Time
}

func (m *memMailer) Send(_ context.Context, mail *jobs.Mail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return fmt.Errorf("%w: connection refused", jobs.ErrUnavailable)
	}
	m.sent = append(m.sent, sentMail{mail, m.clock.Now()})
	return nil
}

func (m *memMailer) Close() error { return nil }

// lines returns "send-date kind deadline lead unit recipient" for every
// mail sent, sorted.
func (m *memMailer) lines() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, s := range m.sent {
		out = append(out, mailLine(s.Mail.Key, s.At))
	}
	sort.Strings(out)
	return out
}

// mailLine formats an outbox key and a send time as
// "2019-06-12 reminder submission:2019-06-13 1 gjz head@gjz.example.cn".
func mailLine(key string, at time.Time) string {
	p := strings.Split(key, "/")
	if p[1] == "" {
		p[1] = "-"
	}
	return fmt.Sprintf("%s %s %s %s %s %s", at.In(shanghai).Format(time.DateOnly), p[0], p[2], p[3], p[1], p[4])
}

// fakeData is the node and monthly data of the walk: each node and count
// appears, or changes state, at its instant on the clock.
type fakeData struct {
	clock  workflow.Clock
	nodes  []fakeNode
	months []fakeMonth
}

type fakeNode struct {
	workflow.ReminderNode
	// reportedAt: from then on the node is "reported" (zero: never).
	reportedAt time.Time
}

type fakeMonth struct {
	unit       string
	month      workflow.Month
	count      int64
	reportedAt time.Time
}

func (f *fakeData) ReminderNodes(_ workflow.Tx, year int) ([]workflow.ReminderNode, error) {
	now := f.clock.Now()
	var out []workflow.ReminderNode
	for _, n := range f.nodes {
		rn := n.ReminderNode
		if !n.reportedAt.IsZero() && !now.Before(n.reportedAt) {
			rn.State = "reported"
		}
		out = append(out, rn)
	}
	return out, nil
}

func (f *fakeData) ReminderMonths(_ workflow.Tx, year int) ([]workflow.ReminderMonth, error) {
	now := f.clock.Now()
	var out []workflow.ReminderMonth
	for _, m := range f.months {
		if !now.Before(m.reportedAt) {
			out = append(out, workflow.ReminderMonth{Unit: m.unit, Month: m.month, Count: m.count})
		}
	}
	return out, nil
}

// outboxCounts counts the outbox by state.
func outboxCounts(t testing.TB, s workflow.Store) map[workflow.OutboxState]int {
	t.Helper()
	var c map[workflow.OutboxState]int
	if err := s.Tx(context.Background(), func(tx workflow.Tx) (err error) {
		c, err = tx.CountMessages()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

var _ io.Writer = (*strings.Builder)(nil)
