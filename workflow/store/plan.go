package store

import (
	"encoding/json"
	"fmt"

	"gorm.io/gorm/clause"

	"kaohe/workflow"
)

// planRow is one year's plan, stored as the JSON of workflow.Plan.
type planRow struct {
	Year int    `gorm:"primaryKey;autoIncrement:false"`
	Body string `gorm:"type:longtext;not null"`
}

// TableName is the table of planRow.
func (planRow) TableName() string { return "plans" }

// Plan returns the plan of year (ENOTFOUND when none is stored).
func (t *tx) Plan(year int) (*workflow.Plan, error) {
	var r planRow
	if err := t.db.Where("year = ?", year).Take(&r).Error; err != nil {
		return nil, translate(err, "plan", planName(year))
	}
	return decodePlan(r)
}

// Plans returns every stored plan, oldest first.
func (t *tx) Plans() ([]*workflow.Plan, error) {
	var rows []planRow
	if err := t.db.Order("year").Find(&rows).Error; err != nil {
		return nil, internal(err, "plans")
	}
	out := make([]*workflow.Plan, 0, len(rows))
	for _, r := range rows {
		p, err := decodePlan(r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// SavePlan stores p, replacing the plan of the same year. A plan that would
// not load back is refused with EINVALID.
func (t *tx) SavePlan(p *workflow.Plan) error {
	b, err := json.Marshal(p)
	if err != nil {
		return internal(err, "save plan")
	}
	if _, err := workflow.PlanFromJSON(b); err != nil {
		return workflow.Errorf(workflow.EINVALID, "考核方案无效：%v", err)
	}
	r := planRow{Year: p.Year, Body: string(b)}
	err = t.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "year"}},
		DoUpdates: clause.AssignmentColumns([]string{"body"}),
	}).Create(&r).Error
	return internal(err, "save plan")
}

func decodePlan(r planRow) (*workflow.Plan, error) {
	p, err := workflow.PlanFromJSON([]byte(r.Body))
	if err != nil {
		return nil, internal(err, "stored plan")
	}
	return p, nil
}

// planName names a year's plan in messages.
func planName(year int) string {
	return fmt.Sprintf("%d年度的考核方案", year)
}
