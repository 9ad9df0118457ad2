package workflow

import (
	"context"
	"fmt"
	"time"
)

// Service runs the workflow: every method is one transaction on the Store,
// reads the time once from the Clock, checks the actor's role and unit, and
// writes the audit log in the same transaction as the change.
type Service struct {
	Store Store
	Clock Clock
	// TokenTTL is how long a login lasts (12 hours when zero).
	TokenTTL time.Duration
	// LoginLimit failed logins within LoginWindow block further attempts
	// (5 in 15 minutes when zero).
	LoginLimit  int
	LoginWindow time.Duration
	// BcryptCost is the password hashing cost (bcrypt's default when zero;
	// tests lower it).
	BcryptCost int
	// OnRelease runs in the release transaction for each submission that
	// starts executing (it materialises the nodes).
	OnRelease func(tx Tx, p *Plan, sub *Submission, now time.Time) error
	// Files stores evidence files (package workflow/evidence); uploads are
	// refused while it is nil.
	Files FileStore
	// Upload bounds evidence uploads (20 MiB a file, 20 files a node when
	// zero).
	Upload UploadLimits
	// WarningDays is how many days before its checkpoint a node that owes a
	// report turns yellow (7 when zero).
	WarningDays int
	// ScoringFacts supplies year-end scoring with nodes, reviews and monthly
	// reports (scoring_run.go). Nil: no nodes, no monthly deductions and no
	// unreviewed nodes (the execution part wires it).
	ScoringFacts ScoringFacts
}

// Actor is who makes a request. The zero Actor may do nothing.
type Actor struct {
	UserID   int64  `json:"id"`
	Username string `json:"username"`
	Role     Role   `json:"role"`
	Unit     string `json:"unit_code,omitempty"`
}

// SystemActor is the scheduler acting on its own.
var SystemActor = Actor{Username: "system", Role: RoleSystem}

// SeesUnit reports whether a may read unit's data: the office, viewers and
// the system see every unit, a unit account only its own.
func (a Actor) SeesUnit(unit string) bool {
	switch a.Role {
	case RoleOffice, RoleViewer, RoleSystem:
		return true
	case RoleUnit:
		return a.Unit == unit
	}
	return false
}

// checkUnit returns ENOTFOUND when a may not see unit, so that another
// unit's data is indistinguishable from absent data.
func (a Actor) checkUnit(unit string) error {
	if !a.SeesUnit(unit) {
		return Errorf(ENOTFOUND, "单位“%s”不存在", unit)
	}
	return nil
}

// requireRole returns EFORBIDDEN unless a has one of roles.
func (a Actor) requireRole(roles ...Role) error {
	for _, r := range roles {
		if a.Role == r {
			return nil
		}
	}
	return Errorf(EFORBIDDEN, "当前账号没有执行此操作的权限")
}

// tx runs fn in one transaction with the time read once.
func (s *Service) tx(ctx context.Context, fn func(tx Tx, now time.Time) error) error {
	now := s.Clock.Now().UTC()
	return s.Store.Tx(ctx, func(tx Tx) error { return fn(tx, now) })
}

// audit writes one audit entry.
func audit(tx Tx, now time.Time, a Actor, unit, action, target, detail string) error {
	return tx.AddAudit(&AuditEntry{At: now, Actor: a.Username, Role: a.Role, Unit: unit, Action: action, Target: target, Detail: detail})
}

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.Clock.Now() }

// Plan returns the plan of year (ENOTFOUND when none is loaded).
func (s *Service) Plan(ctx context.Context, year int) (*Plan, error) {
	var p *Plan
	err := s.tx(ctx, func(tx Tx, _ time.Time) (err error) {
		p, err = tx.Plan(year)
		return err
	})
	return p, err
}

// Plans returns every loaded plan, oldest first.
func (s *Service) Plans(ctx context.Context) ([]*Plan, error) {
	var ps []*Plan
	err := s.tx(ctx, func(tx Tx, _ time.Time) (err error) {
		ps, err = tx.Plans()
		return err
	})
	return ps, err
}

// LoadPlan stores p, replacing a stored plan of the same year. Plans are
// loaded at start from configs/plans.
func (s *Service) LoadPlan(ctx context.Context, p *Plan) error {
	return s.tx(ctx, func(tx Tx, _ time.Time) error { return tx.SavePlan(p) })
}

// Audit returns audit entries (office only).
func (s *Service) Audit(ctx context.Context, a Actor, f AuditFilter) ([]AuditEntry, error) {
	if err := a.requireRole(RoleOffice); err != nil {
		return nil, err
	}
	var out []AuditEntry
	err := s.tx(ctx, func(tx Tx, _ time.Time) (err error) {
		out, err = tx.Audit(f)
		return err
	})
	return out, err
}

func planOf(tx Tx, year int) (*Plan, error) {
	p, err := tx.Plan(year)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "没有%d年度的考核方案", year)
	}
	return p, err
}



var _ = fmt.Sprintf
