package store

import (
	"time"

	"kaohe/workflow"
)

// receiptRow is the office's record of when a unit's tables arrived by
// other means; (year, unit) is unique.
type receiptRow struct {
	ID         int64     `gorm:"primaryKey"`
	Year       int       `gorm:"not null;uniqueIndex:receipts_year_unit,priority:1"`
	Unit       ident     `gorm:"size:64;not null;uniqueIndex:receipts_year_unit,priority:2"`
	ReceivedAt time.Time `gorm:"not null;precision:6"`
	Reason     string    `gorm:"type:longtext;not null"`
	RecordedBy string    `gorm:"size:255;not null"`
	RecordedAt time.Time `gorm:"not null;precision:6"`
}

// TableName is the table of receiptRow.
func (receiptRow) TableName() string { return "submission_receipts" }

func (r receiptRow) receipt() workflow.Receipt {
	return workflow.Receipt{Year: r.Year, Unit: string(r.Unit), At: r.ReceivedAt.UTC(), Reason: r.Reason,
		By: r.RecordedBy, RecordedAt: r.RecordedAt.UTC()}
}

// PutReceipt records r, replacing the unit's earlier record of the year,
// and normalises its times.
func (t *tx) PutReceipt(r *workflow.Receipt) error {
	row := receiptRow{Year: r.Year, Unit: ident(r.Unit), ReceivedAt: utc(r.At), Reason: r.Reason, RecordedBy: r.By, RecordedAt: utc(r.RecordedAt)}
	res := t.db.Model(&receiptRow{}).Where("year = ? AND unit = ?", row.Year, row.Unit).Updates(map[string]any{
		"received_at": row.ReceivedAt, "reason": row.Reason, "recorded_by": row.RecordedBy, "recorded_at": row.RecordedAt})
	if res.Error != nil {
		return internal(res.Error, "put receipt")
	}
	if res.RowsAffected == 0 {
		if err := t.db.Create(&row).Error; err != nil {
			return translate(err, "put receipt", "单位“"+r.Unit+"”的收到时间")
		}
	}
	r.At, r.RecordedAt = row.ReceivedAt, row.RecordedAt
	return nil
}

// DeleteReceipt removes the unit's record of the year (ENOTFOUND when
// there is none).
func (t *tx) DeleteReceipt(year int, unit string) error {
	res := t.db.Where("year = ? AND unit = ?", year, unit).Delete(&receiptRow{})
	return touched(res, "delete receipt", workflow.Errorf(workflow.ENOTFOUND, "单位“%s”没有登记收到时间", unit))
}

// Receipts lists the year's records of unit ("" for every unit), by unit.
func (t *tx) Receipts(year int, unit string) ([]workflow.Receipt, error) {
	q := t.db.Where("year = ?", year)
	if unit != "" {
		q = q.Where("unit = ?", unit)
	}
	return find(q.Order("unit"), receiptRow.receipt, "receipts")
}
