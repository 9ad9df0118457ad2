package store

import (
	"fmt"
	"time"

	"kaohe/workflow"
)

// unitRow is a unit; its code is unique.
type unitRow struct {
	ID        int64     `gorm:"primaryKey"`
	Code      ident     `gorm:"size:64;not null;uniqueIndex:units_code"`
	Name      string    `gorm:"size:255;not null"`
	CreatedAt time.Time `gorm:"not null;precision:6;autoCreateTime:false"`
	// Seq is the unit's place in lists: the notice's order.
	Seq int64 `gorm:"not null;default:0;index:units_seq"`
}

// TableName is the table of unitRow.
func (unitRow) TableName() string { return "units" }

func (r unitRow) unit() workflow.Unit {
	return workflow.Unit{Code: string(r.Code), Name: r.Name, Seq: r.Seq, CreatedAt: r.CreatedAt.UTC()}
}

// contactRow is one supervision contact; Seq keeps the unit's order.
type contactRow struct {
	ID       int64  `gorm:"primaryKey"`
	UnitCode ident  `gorm:"size:64;not null;index:contacts_unit_seq,priority:1"`
	Seq      int    `gorm:"not null;index:contacts_unit_seq,priority:2"`
	Name     string `gorm:"size:255;not null"`
	Duty     string `gorm:"size:16;not null;default:''"`
	Position string `gorm:"size:255;not null"`
	Phone    string `gorm:"size:255;not null"`
	Mobile   string `gorm:"size:255;not null"`
	Email    string `gorm:"size:255;not null"`
}

// TableName is the table of contactRow.
func (contactRow) TableName() string { return "unit_contacts" }

func (r contactRow) contact() workflow.Contact {
	return workflow.Contact{Name: r.Name, Duty: r.Duty, Position: r.Position, Phone: r.Phone, Mobile: r.Mobile, Email: r.Email}
}

func unitName(code string) string { return fmt.Sprintf("单位“%s”", code) }

// Unit returns the unit with code (ENOTFOUND when absent).
func (t *tx) Unit(code string) (*workflow.Unit, error) {
	return take(t.db.Where("code = ?", code), unitRow.unit, "unit", unitName(code))
}

// Units returns every unit in list order (seq, then creation).
func (t *tx) Units() ([]workflow.Unit, error) {
	return find(t.db.Order("seq").Order("id"), unitRow.unit, "units")
}

// UnitNames returns every unit's code, name and place, in list order (seq,
// then creation), scanned without gorm's reflection: the reminder pass
// reads them on every tick a notice is due.
func (t *tx) UnitNames() ([]workflow.Unit, error) {
	rows, err := t.db.Raw("SELECT code, name, seq FROM units ORDER BY seq, id").Rows()
	if err != nil {
		return nil, internal(err, "unit names")
	}
	defer rows.Close()
	out := []workflow.Unit{}
	for rows.Next() {
		var u workflow.Unit
		if err := rows.Scan(&u.Code, &u.Name, &u.Seq); err != nil {
			return nil, internal(err, "unit names")
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "unit names")
	}
	return out, nil
}

// CreateUnit stores u (ECONFLICT when its code is taken) after every unit
// there is, sets u.Seq and normalises u.CreatedAt to its stored form.
func (t *tx) CreateUnit(u *workflow.Unit) error {
	var last struct{ Seq int64 }
	if err := t.db.Model(&unitRow{}).Select("COALESCE(MAX(seq), 0) AS seq").Scan(&last).Error; err != nil {
		return internal(err, "create unit")
	}
	r := unitRow{Code: ident(u.Code), Name: u.Name, CreatedAt: utc(u.CreatedAt), Seq: last.Seq + 1}
	if err := t.db.Create(&r).Error; err != nil {
		return translate(err, "create unit", unitName(u.Code))
	}
	u.CreatedAt, u.Seq = r.CreatedAt, r.Seq
	return nil
}

// Contacts returns the contacts of unit in the order they were set; none is
// an empty list, whether or not the unit exists.
func (t *tx) Contacts(unit string) ([]workflow.Contact, error) {
	return find(t.db.Where("unit_code = ?", unit).Order("seq").Order("id"), contactRow.contact, "contacts")
}

// SetContacts replaces every contact of unit with cs, keeping their order.
// It does not check that the unit exists.
func (t *tx) SetContacts(unit string, cs []workflow.Contact) error {
	if err := t.db.Where("unit_code = ?", unit).Delete(&contactRow{}).Error; err != nil {
		return internal(err, "set contacts")
	}
	if len(cs) == 0 {
		return nil
	}
	rows := make([]contactRow, len(cs))
	for i, c := range cs {
		rows[i] = contactRow{UnitCode: ident(unit), Seq: i, Name: c.Name, Duty: c.Duty, Position: c.Position, Phone: c.Phone, Mobile: c.Mobile, Email: c.Email}
	}
	return internal(t.db.Create(&rows).Error, "set contacts")
}
