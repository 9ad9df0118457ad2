package service

import (
	"context"
	"kaohe/workflow"
	"runtime"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Service runs the workflow: every method is one transaction on the Store,
// reads the time once from the Clock, checks the actor's role and unit, and
// writes the audit log in the same transaction as the change. Build it with
// New; its zero value is not usable.
type Service struct {
	store Store
	files FileStore
	clock workflow.Clock
	opt   Options

	dummyOnce sync.Once
	dummy     string
	// passwordSlots bounds the bcrypt work running at once.
	passwordSlots chan struct{}
}

// Options are the service's settings; New gives every zero field its
// default.
type Options struct {
	// TokenTTL is how long a login lasts (12 hours).
	TokenTTL time.Duration
	// Throttle slows failed logins (5 failures of a username and 20 from an
	// address before any wait, counted over 24 hours, waits of at most 15
	// minutes).
	Throttle workflow.LoginThrottle
	// BcryptCost is the password hashing cost (bcrypt's default).
	BcryptCost int
	// PasswordSlots is how many password hashes or checks run at once;
	// the others wait (half the processors, at least one).
	PasswordSlots int
	// Upload bounds evidence uploads (20 MiB a file, 20 files a node).
	Upload UploadLimits
	// WarningDays is how many days before its checkpoint a node that owes a
	// report turns yellow (7).
	WarningDays int
	// OfficeEmails receive the office digests (none: no digest).
	OfficeEmails []string
	// Reminders are the reminders' lead days and time of day (7, 3 and 1
	// days before, at 09:00).
	Reminders workflow.ReminderRules
	// RedirectDownloads sends evidence downloads to a short-lived URL of
	// the object store instead of streaming them through the server.
	RedirectDownloads bool
	// BackupsScheduled says the daily backup job runs, so that a day
	// without a backup is a problem the office hears of.
	BackupsScheduled bool
	// RobotAllowedHosts are the host[:port]s a robot's webhook may use
	// besides the robots' official hosts (robots.allowed_hosts).
	RobotAllowedHosts []string
	// Robots sends the test messages of group robots (nil: a test answers
	// EUNAVAILABLE).
	Robots RobotSender
}

// New returns the service over store, keeping evidence in files and
// reading the time from clock.
func New(store Store, files FileStore, clock workflow.Clock, o Options) *Service {
	if o.TokenTTL <= 0 {
		o.TokenTTL = 12 * time.Hour
	}
	if o.Throttle.FreePerUser <= 0 {
		o.Throttle.FreePerUser = 5
	}
	if o.Throttle.FreePerAddress <= 0 {
		o.Throttle.FreePerAddress = 20
	}
	if o.Throttle.Window <= 0 {
		o.Throttle.Window = 24 * time.Hour
	}
	if o.Throttle.MaxDelay <= 0 {
		o.Throttle.MaxDelay = 15 * time.Minute
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = bcrypt.DefaultCost
	}
	if o.PasswordSlots <= 0 {
		o.PasswordSlots = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if o.Upload.MaxFileBytes <= 0 {
		o.Upload.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.Upload.MaxFiles <= 0 {
		o.Upload.MaxFiles = DefaultMaxFiles
	}
	if o.WarningDays <= 0 {
		o.WarningDays = 7
	}
	return &Service{store: store, files: files, clock: clock, opt: o, passwordSlots: make(chan struct{}, o.PasswordSlots)}
}

// Actor is who makes a request. The zero Actor may do nothing.
type Actor struct {
	UserID   int64         `json:"id"`
	Username string        `json:"username"`
	Role     workflow.Role `json:"role"`
	Unit     string        `json:"unit_code,omitempty"`
	// Session is the token hash of the session that signed the actor in
	// ("" for the system), so that a password change can keep it.
	Session string `json:"-"`
}

// SystemActor is the scheduler acting on its own.
var SystemActor = Actor{Username: "system", Role: workflow.RoleSystem}

// SeesUnit reports whether a may read unit's data: the office, viewers and
// the system see every unit, a unit account only its own.
func (a Actor) SeesUnit(unit string) bool {
	switch a.Role {
	case workflow.RoleOffice, workflow.RoleViewer, workflow.RoleSystem:
		return true
	case workflow.RoleUnit:
		return a.Unit == unit
	}
	return false
}

// checkUnit returns ENOTFOUND when a may not see unit, so that another
// unit's data is indistinguishable from absent data, and then, when roles
// are given, EFORBIDDEN unless a has one of them.
func (a Actor) checkUnit(unit string, roles ...workflow.Role) error {
	if !a.SeesUnit(unit) {
		return workflow.Errorf(workflow.ENOTFOUND, "单位“%s”不存在", unit)
	}
	if len(roles) > 0 {
		return a.requireRole(roles...)
	}
	return nil
}

// requireRole returns EFORBIDDEN unless a has one of roles.
func (a Actor) requireRole(roles ...workflow.Role) error {
	for _, r := range roles {
		if a.Role == r {
			return nil
		}
	}
	return workflow.Errorf(workflow.EFORBIDDEN, "当前账号没有执行此操作的权限")
}

// update runs fn in one read-write transaction with the time read once.
func (s *Service) update(ctx context.Context, fn func(tx Tx, now time.Time) error) error {
	now := s.clock.Now().UTC()
	return s.store.Update(ctx, func(tx Tx) error { return fn(tx, now) })
}

// view runs fn in one read-only transaction with the time read once.
func (s *Service) view(ctx context.Context, fn func(tx Tx, now time.Time) error) error {
	now := s.clock.Now().UTC()
	return s.store.View(ctx, func(tx Tx) error { return fn(tx, now) })
}

// viewValue runs read in one read-only transaction (view) and returns what
// it read: the shape of every request that reads one thing.
func viewValue[T any](s *Service, ctx context.Context, read func(tx Tx, now time.Time) (T, error)) (T, error) {
	var out T
	err := s.view(ctx, func(tx Tx, now time.Time) (err error) {
		out, err = read(tx, now)
		return err
	})
	return out, err
}

// visible returns row, read with err, when seen says a may see it, and
// otherwise the ENOTFOUND of a row that does not exist ("<what><id>不存在"):
// another unit's row must not tell that unit that the ID is taken.
func visible[T any](row *T, err error, seen func(*T) bool, what string, id int64) (*T, error) {
	if workflow.ErrorCode(err) == workflow.ENOTFOUND || (err == nil && !seen(row)) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "%s%d不存在", what, id)
	}
	return row, err
}

// audit writes one audit entry.
func audit(tx Tx, now time.Time, a Actor, unit, action, target, detail string) error {
	return tx.AddAudit(&workflow.AuditEntry{At: now, Actor: a.Username, Role: a.Role, Unit: unit, Action: action, Target: target, Detail: detail})
}

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.clock.Now() }

// Limits returns the upload limits.
func (s *Service) Limits() UploadLimits { return s.opt.Upload }

// Audit returns audit entries (office only), each with its target and
// detail in words (units, nodes and files by name).
func (s *Service) Audit(ctx context.Context, a Actor, f AuditFilter) ([]workflow.AuditView, error) {
	if err := a.requireRole(workflow.RoleOffice); err != nil {
		return nil, err
	}
	var out []workflow.AuditView
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		es, err := tx.Audit(f)
		if err != nil {
			return err
		}
		names := workflow.AuditNames{Units: map[string]string{}, Nodes: map[int64]workflow.NodeRecord{}, Evidence: map[int64]string{}}
		us, err := tx.Units()
		if err != nil {
			return err
		}
		for _, u := range us {
			names.Units[u.Code] = u.Name
		}
		for _, e := range es {
			if id, ok := e.TargetID("node"); ok {
				if _, seen := names.Nodes[id]; !seen {
					if n, err := tx.Node(id); err == nil {
						names.Nodes[id] = *n
					}
				}
			}
			if id, ok := e.TargetID("evidence"); ok {
				if _, seen := names.Evidence[id]; !seen {
					if ev, err := tx.Evidence(id); err == nil {
						names.Evidence[id] = ev.Name
					}
				}
			}
		}
		out = make([]workflow.AuditView, 0, len(es))
		for _, e := range es {
			out = append(out, names.Describe(e))
		}
		return nil
	})
	return out, err
}

// unitList reads a list about one unit's year in a read transaction, once
// a may see the unit and has one of roles (any role when none are given).
// The list is never nil: clients read [] for nothing.
func unitList[T any](s *Service, ctx context.Context, a Actor, year int, unit string, read func(Tx) ([]T, error), roles ...workflow.Role) ([]T, error) {
	if err := a.checkUnit(unit, roles...); err != nil {
		return nil, err
	}
	var out []T
	err := s.view(ctx, func(tx Tx, _ time.Time) (err error) {
		if _, err = planUnit(tx, year, unit); err != nil {
			return err
		}
		out, err = read(tx)
		return err
	})
	if out == nil {
		out = []T{}
	}
	return out, err
}

// beforePublication runs change for the office in one read-write
// transaction on a unit's year whose result is not yet published: what
// every office correction of a unit's year (receipts, waivers, manual
// deductions withdrawn) checks first. Errors: ENOTFOUND (unit or plan),
// EFORBIDDEN, ESTATE once published.
func (s *Service) beforePublication(ctx context.Context, a Actor, year int, unit string, change func(tx Tx, now time.Time) error) error {
	if err := a.checkUnit(unit, workflow.RoleOffice); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, now time.Time) error {
		if _, err := planOf(tx, year); err != nil {
			return err
		}
		if err := notPublished(tx, year); err != nil {
			return err
		}
		return change(tx, now)
	})
}

// planUnit reads the plan of year and checks that unit exists: the first
// step of every request about one unit's year (ENOTFOUND for either).
func planUnit(tx Tx, year int, unit string) (*workflow.Plan, error) {
	p, err := planOf(tx, year)
	if err != nil {
		return nil, err
	}
	if _, err := unitOf(tx, unit); err != nil {
		return nil, err
	}
	return p, nil
}

// planOf reads the plan of year (ENOTFOUND naming the year).
func planOf(tx Tx, year int) (*workflow.Plan, error) {
	p, err := tx.Plan(year)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "没有%d年度的考核方案", year)
	}
	return p, err
}
