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

	"kaohe/configs"
	"kaohe/internal/app"
	"kaohe/internal/testdb"
	"kaohe/internal/testenv"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
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

// world is one test's server side: the 2019 plan and the 14 units of
// testdata, each with two complete contacts, built by app.Open on a
// manual clock as the server builds itself (with the scheduled jobs off:
// the tests run them by hand).
type world struct {
	t      testing.TB
	cfg    *configs.Config
	app    *app.App
	db     *store.DB
	svc    *service.Service
	clock  *workflow.ManualClock
	plan   *workflow.Plan
	units  []workflow.Unit
	office []string
}

// testConfig is the configuration of a test server on backend ("sqlite" or
// "mariadb") in a temporary data directory.
func testConfig(t testing.TB, backend string) *configs.Config {
	t.Helper()
	cfg := configs.Default()
	cfg.Data = t.TempDir()
	if backend == "mariadb" {
		cfg.MySQLDSN = testdb.MariaDB(t)
	}
	cfg.Login.BcryptCost = bcrypt.MinCost
	cfg.Jobs.Enabled = false
	cfg.OfficeEmail = "bgs@dlzgh.example.cn,dcc@dlzgh.example.cn"
	return cfg
}

// openApp opens the program on cfg with clock, closed when t ends.
func openApp(t testing.TB, cfg *configs.Config, clock workflow.Clock) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), cfg, clock, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	return a
}

func newWorld(t testing.TB, backend string, start time.Time) *world {
	t.Helper()
	return newWorldWith(t, testConfig(t, backend), start)
}

func newWorldWith(t testing.TB, cfg *configs.Config, start time.Time) *world {
	t.Helper()
	clock := workflow.NewManualClock(start)
	a := openApp(t, cfg, clock)
	w := &world{t: t, cfg: cfg, app: a, db: a.Store, svc: a.Service, clock: clock, office: cfg.OfficeEmails()}
	ctx := context.Background()
	var err error
	if w.plan, err = w.svc.Plan(ctx, 2019); err != nil {
		t.Fatal(err)
	}
	var units []workflow.Unit
	testenv.ReadJSON(t, "../testdata/units-2019.json", &units)
	for _, u := range units {
		_, err := w.svc.CreateUnit(ctx, service.SystemActor, service.NewUnit{Code: u.Code, Name: u.Name, Contacts: contactsOf(u.Code)})
		if err != nil {
			t.Fatal(err)
		}
	}
	w.units = units
	return w
}

// another opens a second server on w's database and clock.
func (w *world) another() *app.App { return openApp(w.t, w.cfg, w.clock) }

// contactsOf returns the two supervision contacts of a unit.
func contactsOf(unit string) []workflow.Contact {
	return []workflow.Contact{
		{Name: "王明", Duty: "head", Position: "办公室主任", Phone: "0411-86641234", Mobile: "13804110001", Email: "head@" + unit + ".example.cn"},
		{Name: "李婷", Duty: "staff", Position: "督查工作人员", Phone: "0411-86641235", Mobile: "15942410002", Email: "staff@" + unit + ".example.cn"},
	}
}

func unitActor(unit string) service.Actor {
	return service.Actor{Username: unit, Role: workflow.RoleUnit, Unit: unit}
}

var officeActor = service.Actor{Username: "admin", Role: workflow.RoleOffice}

// draft stores the valid 2019 document as unit's draft at the clock's time.
func (w *world) draft(unit string) {
	w.t.Helper()
	b, err := os.ReadFile("../testdata/submission-2019.json")
	if err != nil {
		w.t.Fatal(err)
	}
	var doc workflow.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		w.t.Fatal(err)
	}
	if _, _, err := w.svc.PutSubmission(context.Background(), unitActor(unit), 2019, unit, 0, doc); err != nil {
		w.t.Fatalf("draft %s: %v", unit, err)
	}
}

func (w *world) submit(unit string) {
	w.t.Helper()
	if _, err := w.svc.Submit(context.Background(), unitActor(unit), 2019, unit, service.SubmitRequest{}); err != nil {
		w.t.Fatalf("submit %s: %v", unit, err)
	}
}

func (w *world) giveBack(unit string) {
	w.t.Helper()
	if _, err := w.svc.Return(context.Background(), officeActor, 2019, unit, service.ReturnRequest{Comment: "请修改"}); err != nil {
		w.t.Fatalf("return %s: %v", unit, err)
	}
}

// publishResult carries every unit's tables through submission,
// certification and release, and publishes the year's scoring run on
// December 20, 2019 at 9:00, the clock's time afterwards.
func (w *world) publishResult() {
	w.t.Helper()
	ctx := context.Background()
	for _, u := range w.units {
		w.draft(u.Code)
		w.submit(u.Code)
		if _, err := w.svc.Certify(ctx, officeActor, 2019, u.Code, service.CertifyRequest{}); err != nil {
			w.t.Fatal(err)
		}
	}
	if _, err := w.svc.Release(ctx, officeActor, 2019); err != nil {
		w.t.Fatal(err)
	}
	w.clock.Set(at(12, 20, 9, 0))
	run, err := w.svc.RunScoring(ctx, officeActor, 2019)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.PublishScoring(ctx, officeActor, 2019, run.ID); err != nil {
		w.t.Fatal(err)
	}
}

// reminders returns the reminder pass of w.
func (w *world) reminders() *jobs.Reminders {
	return &jobs.Reminders{Service: w.svc, Log: quiet}
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

// outboxCounts counts the outbox by state.
func outboxCounts(t testing.TB, s service.Store) map[workflow.OutboxState]int {
	t.Helper()
	var c map[workflow.OutboxState]int
	if err := s.Update(context.Background(), func(tx service.Tx) (err error) {
		c, err = tx.CountMessages()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

var _ io.Writer = (*strings.Builder)(nil)

// openStore opens a bare store on backend in dir, for the tests and
// benchmarks that measure or break the store itself.
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

// createNodes writes nodes of released tables directly (pending at version
// 1 unless the record says otherwise), for tests of what the jobs read.
func (w *world) createNodes(ns ...workflow.NodeRecord) {
	w.t.Helper()
	for i := range ns {
		ns[i].Year = 2019
		if ns[i].State == "" {
			ns[i].State = workflow.NodePending
		}
		if ns[i].Version == 0 {
			ns[i].Version = 1
		}
	}
	if err := w.db.Update(context.Background(), func(tx service.Tx) error { return tx.CreateNodes(ns) }); err != nil {
		w.t.Fatal(err)
	}
}

// due returns what a reminder pass would enqueue now, each message
// rendered from its facts as the dispatcher renders it when it sends it.
func (w *world) due() ([]workflow.OutboxMessage, error) {
	w.t.Helper()
	ms, err := w.reminders().Due(context.Background())
	for i := range ms {
		if rerr := jobs.Render(&ms[i]); rerr != nil {
			w.t.Fatalf("message %s: %v", ms[i].KeyString(), rerr)
		}
	}
	return ms, err
}
