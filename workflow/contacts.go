package workflow

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The notice (二、5) asks each unit, with its tables, for its supervision
// department's 负责人 and 工作人员: 姓名、职务、电话、手机. The email address is
// kaohe's own addition, for reminders, and may be left out.

// Contact duties.
const (
	DutyHead  = "head"  // 负责人
	DutyStaff = "staff" // 工作人员
)

// Rule codes of contacts.
const (
	RuleContactsMissing = "contacts.missing"
	RuleContactsDuty    = "contacts.duty.missing"
)

// MaxContacts bounds the contacts of one unit.
const MaxContacts = 20

var (
	// mobilePattern is a mainland mobile number: 11 digits starting with 1.
	mobilePattern = regexp.MustCompile(`^1[0-9]{10}$`)
	// phonePattern is an office phone: an area code of 3 or 4 digits
	// starting with 0, the number of 7 or 8 digits, and an optional
	// extension (0411-86641234, 041186641234, 0411-86641234-805,
	// 0411-86641234转805).
	phonePattern = regexp.MustCompile(`^0[0-9]{2,3}-?[0-9]{7,8}((-|转)[0-9]{1,6})?$`)
)

// CheckContacts trims a unit's contacts and checks each field: a name, a
// duty (DutyHead or DutyStaff), a mobile and a phone in their forms when
// given, an email address when given (valid, and not twice), at most 100
// characters each. Violations are located under prefix ("contacts" or ""
// for a list of its own). Whether the contacts are enough for a
// submission is Validate's question.
func CheckContacts(prefix string, in []Contact) ([]Contact, []Violation) {
	var vs []Violation
	out := make([]Contact, 0, len(in))
	if len(in) > MaxContacts {
		vs = append(vs, Violation{Path: prefix, Rule: "contacts.too_many", Message: fmt.Sprintf("联系人最多%d名", MaxContacts)})
	}
	seen := map[string]bool{}
	for i, c := range in {
		c = Contact{Name: strings.TrimSpace(c.Name), Duty: strings.TrimSpace(c.Duty), Position: strings.TrimSpace(c.Position),
			Phone: strings.TrimSpace(c.Phone), Mobile: strings.TrimSpace(c.Mobile), Email: strings.TrimSpace(c.Email)}
		p := fmt.Sprintf("%s[%d]", prefix, i)
		bad := func(field, rule, msg string) {
			vs = append(vs, Violation{Path: p + "." + field, Rule: rule, Message: msg})
		}
		if c.Name == "" {
			bad("name", "contact.name.empty", "联系人姓名不能为空")
		}
		if c.Duty != DutyHead && c.Duty != DutyStaff {
			bad("duty", "contact.duty.invalid", "请选择联系人的分工：负责人（head）或工作人员（staff）")
		}
		switch {
		case c.Email == "":
		case !ValidEmail(c.Email):
			bad("email", "contact.email.invalid", "电子邮箱“"+c.Email+"”格式不正确")
		case seen[strings.ToLower(c.Email)]:
			bad("email", "contact.email.duplicate", "电子邮箱“"+c.Email+"”重复")
		}
		seen[strings.ToLower(c.Email)] = true
		if c.Mobile != "" && !mobilePattern.MatchString(c.Mobile) {
			bad("mobile", "contact.mobile.invalid", "手机号“"+c.Mobile+"”应为以1开头的11位数字")
		}
		if c.Phone != "" && !phonePattern.MatchString(c.Phone) {
			bad("phone", "contact.phone.invalid", "电话“"+c.Phone+"”应为区号加号码，可带分机号，如0411-86641234或0411-86641234-805")
		}
		for _, f := range []struct{ name, v string }{{"name", c.Name}, {"position", c.Position}, {"phone", c.Phone}, {"mobile", c.Mobile}, {"email", c.Email}} {
			if utf8.RuneCountInString(f.v) > 100 {
				bad(f.name, "contact.too_long", "内容超过100字")
			}
		}
		out = append(out, c)
	}
	return out, vs
}

// contacts checks that the unit's contacts are enough for a submission:
// at least the plan's number of complete ones, covering every duty the
// plan requires.
func (v *validator) contacts(cs []Contact) {
	p := v.plan
	complete := 0
	duties := map[string]bool{}
	for _, c := range cs {
		if ContactComplete(p, c) {
			complete++
			duties[c.Duty] = true
		}
	}
	if complete < p.Contacts.MinCount {
		v.fail("contacts", RuleContactsMissing, "报送指标表须同时提交至少%d名信息完整的督查工作联系人（%s）", p.Contacts.MinCount, fieldList(p.Contacts.Required))
	}
	for _, d := range p.Contacts.Duties {
		if !duties[d] {
			v.fail("contacts", RuleContactsDuty, "报送指标表须同时提交督查工作部门%s的信息（%s）", dutyName(d), fieldList(p.Contacts.Required))
		}
	}
}

func dutyName(d string) string { return dutyNames[d] }

// fieldList names fields in words: 姓名、职务、电话、手机.
func fieldList(fields []string) string {
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		out = append(out, fieldNames[f])
	}
	return strings.Join(out, "、")
}

// ContactComplete reports whether c has a duty and every field the plan
// requires, with a valid email address if it has one.
func ContactComplete(p *Plan, c Contact) bool {
	if c.Duty != DutyHead && c.Duty != DutyStaff {
		return false
	}
	fields := map[string]string{"name": c.Name, "position": c.Position, "phone": c.Phone, "mobile": c.Mobile, "email": c.Email}
	for _, f := range p.Contacts.Required {
		if strings.TrimSpace(fields[f]) == "" {
			return false
		}
	}
	return c.Email == "" || ValidEmail(c.Email)
}

// ValidEmail reports whether s is one plain address (no display name).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// Reachable reports whether any of the contacts has an email address, so
// that reminders can reach the unit by mail.
func Reachable(cs []Contact) bool {
	for _, c := range cs {
		if c.Email != "" {
			return true
		}
	}
	return false
}
