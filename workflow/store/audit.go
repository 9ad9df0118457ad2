package store

import (
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// DefaultAuditLimit is the number of audit entries Audit returns when the
// filter sets no limit.
const DefaultAuditLimit = 200

// auditRow is one audit entry.
type auditRow struct {
	ID     int64     `gorm:"primaryKey"`
	At     time.Time `gorm:"not null;precision:6;index:audit_at"`
	Actor  string    `gorm:"size:255;not null"`
	Role   string    `gorm:"size:16;not null"`
	Unit   ident     `gorm:"size:64;not null;index:audit_unit"`
	Action string    `gorm:"size:64;not null;index:audit_action"`
	Target string    `gorm:"size:255;not null"`
	Detail string    `gorm:"type:longtext;not null"`
}

// TableName is the table of auditRow.
func (auditRow) TableName() string { return "audit_log" }

func (r auditRow) entry() workflow.AuditEntry {
	return workflow.AuditEntry{ID: r.ID, At: r.At.UTC(), Actor: r.Actor, Role: workflow.Role(r.Role),
		Unit: string(r.Unit), Action: r.Action, Target: r.Target, Detail: r.Detail}
}

// AddAudit appends a, sets a.ID and normalises a.At.
func (t *tx) AddAudit(a *workflow.AuditEntry) error {
	r := auditRow{At: utc(a.At), Actor: a.Actor, Role: string(a.Role), Unit: ident(a.Unit),
		Action: a.Action, Target: a.Target, Detail: a.Detail}
	if err := t.db.Create(&r).Error; err != nil {
		return internal(err, "add audit")
	}
	a.ID, a.At = r.ID, r.At
	return nil
}

// Audit returns the entries matching f, newest first (by time, then by
// insertion), at most f.Limit of them (DefaultAuditLimit when zero or
// negative). Since is inclusive.
func (t *tx) Audit(f service.AuditFilter) ([]workflow.AuditEntry, error) {
	q := t.db.Model(&auditRow{})
	if f.Unit != "" {
		q = q.Where("unit = ?", f.Unit)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.Since.IsZero() {
		q = q.Where("at >= ?", utc(f.Since))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	return find(q.Order("at DESC").Order("id DESC").Limit(limit), auditRow.entry, "audit")
}
