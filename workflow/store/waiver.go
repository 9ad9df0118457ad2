package store

import (
	"errors"
	"time"

	"gorm.io/gorm"

	"kaohe/workflow"
)

// waiverRow is one waiver of a deduction. Slot is 0 while the waiver is in
// force and its own id once withdrawn: the unique key waivers_in_force
// over (year, unit, ref, slot) allows one waiver in force per deduction,
// enforced by the database even when two requests race.
type waiverRow struct {
	ID          int64      `gorm:"primaryKey"`
	Year        int        `gorm:"not null;uniqueIndex:waivers_in_force,priority:1"`
	Unit        ident      `gorm:"size:64;not null;uniqueIndex:waivers_in_force,priority:2"`
	Ref         ident      `gorm:"size:128;not null;uniqueIndex:waivers_in_force,priority:3"`
	Points      int64      `gorm:"not null"`
	Reason      string     `gorm:"type:longtext;not null"`
	GrantedBy   string     `gorm:"size:255;not null"`
	GrantedAt   time.Time  `gorm:"not null;precision:6"`
	ObjectionID int64      `gorm:"not null"`
	Slot        int64      `gorm:"not null;uniqueIndex:waivers_in_force,priority:4"`
	WithdrawnAt *time.Time `gorm:"precision:6"`
	WithdrawnBy string     `gorm:"size:255;not null"`
}

// TableName is the table of waiverRow.
func (waiverRow) TableName() string { return "waivers" }

func (r waiverRow) waiver() workflow.Waiver {
	return workflow.Waiver{ID: r.ID, Year: r.Year, Unit: string(r.Unit), Ref: string(r.Ref), Points: workflow.Points(r.Points),
		Reason: r.Reason, By: r.GrantedBy, At: r.GrantedAt.UTC(), Objection: r.ObjectionID,
		WithdrawnAt: utcPtr(r.WithdrawnAt), WithdrawnBy: r.WithdrawnBy}
}

// AddWaiver stores w in force and sets its ID: ECONFLICT when the unit
// has a waiver in force for the same ref.
func (t *tx) AddWaiver(w *workflow.Waiver) error {
	r := waiverRow{Year: w.Year, Unit: ident(w.Unit), Ref: ident(w.Ref), Points: int64(w.Points), Reason: w.Reason,
		GrantedBy: w.By, GrantedAt: utc(w.At), ObjectionID: w.Objection}
	if err := t.db.Create(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return workflow.Errorf(workflow.ECONFLICT, "“%s”已有生效的减免，请先撤销", w.Ref)
		}
		return internal(err, "add waiver")
	}
	w.ID, w.At, w.WithdrawnAt, w.WithdrawnBy = r.ID, r.GrantedAt, nil, ""
	return nil
}

// Waivers lists the year's waivers of unit ("" for every unit), withdrawn
// ones included, by ID.
func (t *tx) Waivers(year int, unit string) ([]workflow.Waiver, error) {
	q := t.db.Where("year = ?", year)
	if unit != "" {
		q = q.Where("unit = ?", unit)
	}
	return find(q.Order("id"), waiverRow.waiver, "waivers")
}

// WithdrawWaiver marks waiver id of the year's unit withdrawn: ENOTFOUND
// when there is no such waiver in force.
func (t *tx) WithdrawWaiver(year int, unit string, id int64, at time.Time, by string) error {
	res := t.db.Model(&waiverRow{}).Where("id = ? AND year = ? AND unit = ? AND slot = 0", id, year, unit).
		Updates(map[string]any{"slot": id, "withdrawn_at": utc(at), "withdrawn_by": by})
	return touched(res, "withdraw waiver", workflow.Errorf(workflow.ENOTFOUND, "单位“%s”没有编号为%d的生效减免", unit, id))
}
