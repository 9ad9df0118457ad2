package service

import (
	"context"
	"fmt"
	"kaohe/workflow"
	"regexp"
	"strings"
	"time"
)

var unitCodePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// NewUnit is the request to create a unit, with its contacts.
type NewUnit struct {
	Code     string             `json:"code"`
	Name     string             `json:"name"`
	Contacts []workflow.Contact `json:"contacts"`
}

// UnitView is a unit with its contacts.
type UnitView struct {
	workflow.Unit
	Contacts []workflow.Contact `json:"contacts"`
}

// CreateUnit adds a unit (office only). It returns EVALIDATION for a bad
// code, name or contact and ECONFLICT when the code is taken.
func (s *Service) CreateUnit(ctx context.Context, a Actor, n NewUnit) (*UnitView, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleSystem); err != nil {
		return nil, err
	}
	n.Code, n.Name = strings.TrimSpace(n.Code), strings.TrimSpace(n.Name)
	var vs []workflow.Violation
	if !unitCodePattern.MatchString(n.Code) {
		vs = append(vs, workflow.Violation{Path: "code", Rule: "unit.code.invalid", Message: "单位代码应为1-32位字母、数字、_ 或 -"})
	}
	if n.Name == "" || len([]rune(n.Name)) > 100 {
		vs = append(vs, workflow.Violation{Path: "name", Rule: "unit.name.invalid", Message: "单位名称不能为空且不超过100字"})
	}
	cs, cvs := workflow.CheckContacts("contacts", n.Contacts)
	vs = append(vs, cvs...)
	if len(vs) > 0 {
		return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: "单位信息有误", Details: vs}
	}
	var out *UnitView
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		u := &workflow.Unit{Code: n.Code, Name: n.Name, CreatedAt: now}
		if err := tx.CreateUnit(u); err != nil {
			if workflow.ErrorCode(err) == workflow.ECONFLICT {
				return workflow.Errorf(workflow.ECONFLICT, "单位代码“%s”已存在", n.Code)
			}
			return err
		}
		if err := tx.SetContacts(n.Code, cs); err != nil {
			return err
		}
		out = &UnitView{Unit: *u, Contacts: cs}
		return audit(tx, now, a, n.Code, "unit.create", "unit:"+n.Code, n.Name)
	})
	return out, err
}

// Units lists the units a may see, with contacts.
func (s *Service) Units(ctx context.Context, a Actor) ([]UnitView, error) {
	var out []UnitView
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		us, err := tx.Units()
		if err != nil {
			return err
		}
		for _, u := range us {
			if !a.SeesUnit(u.Code) {
				continue
			}
			cs, err := tx.Contacts(u.Code)
			if err != nil {
				return err
			}
			out = append(out, UnitView{Unit: u, Contacts: cs})
		}
		return nil
	})
	if out == nil {
		out = []UnitView{}
	}
	return out, err
}

// Unit returns one unit with its contacts (ENOTFOUND for another unit's).
func (s *Service) Unit(ctx context.Context, a Actor, code string) (*UnitView, error) {
	if err := a.checkUnit(code); err != nil {
		return nil, err
	}
	var out *UnitView
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		u, err := unitOf(tx, code)
		if err != nil {
			return err
		}
		cs, err := tx.Contacts(code)
		if err != nil {
			return err
		}
		out = &UnitView{Unit: *u, Contacts: cs}
		return nil
	})
	return out, err
}

func unitOf(tx Tx, code string) (*workflow.Unit, error) {
	u, err := tx.Unit(code)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "单位“%s”不存在", code)
	}
	return u, err
}

// Contacts returns a unit's supervision contacts (office, viewer or that unit).
func (s *Service) Contacts(ctx context.Context, a Actor, unit string) ([]workflow.Contact, error) {
	v, err := s.Unit(ctx, a, unit)
	if err != nil {
		return nil, err
	}
	return v.Contacts, nil
}

// SetContacts replaces a unit's supervision contacts (office or that unit).
// Each contact needs a name and a valid email; the other fields may be
// completed later, but a submission needs at least one complete contact.
func (s *Service) SetContacts(ctx context.Context, a Actor, unit string, in []workflow.Contact) ([]workflow.Contact, error) {
	if err := a.checkUnit(unit, workflow.RoleOffice, workflow.RoleUnit); err != nil {
		return nil, err
	}
	cs, vs := workflow.CheckContacts("", in)
	if len(vs) > 0 {
		return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: "联系人信息有误", Details: vs}
	}
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		if _, err := unitOf(tx, unit); err != nil {
			return err
		}
		if err := tx.SetContacts(unit, cs); err != nil {
			return err
		}
		return audit(tx, now, a, unit, "contacts.set", "unit:"+unit, fmt.Sprintf("%d人", len(cs)))
	})
	return cs, err
}
