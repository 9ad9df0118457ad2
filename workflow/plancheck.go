package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rule codes of the plan checks. Problems stop a plan from being published;
// warnings point at what is legal but odd. Each finding is located by the
// path of its field in the plan document (the same in JSON and YAML).
const (
	RulePlanYear            = "plan.year.range"
	RulePlanTitle           = "plan.title.empty"
	RulePlanTitleYear       = "plan.title.year" // a warning
	RulePlanZone            = "plan.zone.unknown"
	RulePlanDateMissing     = "plan.date.missing"
	RulePlanOutsideYear     = "plan.date.outside_year"
	RulePlanDeadlineDayOff  = "plan.deadline.day_off" // a warning when the deadline moves (due_on_day_off)
	RulePlanDeadlineTime    = "plan.deadline.time"    // a warning
	RulePlanDeadlineLate    = "plan.deadline.after_checkpoint"
	RulePlanCheckpointsNone = "plan.checkpoints.empty"
	RulePlanCheckpointOrder = "plan.checkpoints.order"
	RulePlanCheckpointDup   = "plan.checkpoints.duplicate"
	RulePlanCheckpointName  = "plan.checkpoint.name.empty" // a warning
	RulePlanCheckpointOff   = "plan.checkpoint.day_off"    // a warning
	RulePlanNodes           = "plan.nodes.range"
	RulePlanCalendarEmpty   = "plan.calendar.empty"
	RulePlanCalendarEntry   = "plan.calendar.invalid"
	RulePlanCalendarBoth    = "plan.calendar.both"
	RulePlanCalendarWorkday = "plan.calendar.workday_weekday" // a warning
	RulePlanCalendarDup     = "plan.calendar.duplicate"       // a warning
	RulePlanItemsEmpty      = "plan.category.items.empty"
	RulePlanTotal           = "plan.category.total"
	RulePlanRange           = "plan.category.range"
	RulePlanStep            = "plan.category.step"
	RulePlanUnreachable     = "plan.category.unreachable"
	RulePlanCodeEmpty       = "plan.code.empty"
	RulePlanCodeDuplicate   = "plan.code.duplicate"
	RulePlanNameEmpty       = "plan.name.empty"
	RulePlanAnnex           = "plan.annex.duplicate" // a warning
	RulePlanInnovation      = "plan.innovation.range"
	RulePlanContacts        = "plan.contacts.invalid"
	RulePlanMonthly         = "plan.monthly.invalid"
	RulePlanMonthlyLate     = "plan.monthly.after_scoring" // a warning
	RulePlanDeduction       = "plan.deductions.invalid"
	RulePlanDeductionOdd    = "plan.deductions.odd" // a warning
	RulePlanGradesOrder     = "plan.grades.order"
	RulePlanGradeName       = "plan.grades.name"
	RulePlanGradesOdd       = "plan.grades.odd" // a warning
	RulePlanScoring         = "plan.scoring.before_checkpoint"
	RulePlanScoringOdd      = "plan.scoring.odd" // a warning
	RulePlanPhrase          = "plan.forbidden_phrases.invalid"
	RulePlanDayOffRule      = "plan.due_on_day_off.invalid"
	RulePlanReleaseGrace    = "plan.release_grace_days.range"
	RulePlanOfficeContacts  = "plan.office_contacts.invalid" // a warning when there is none
	RulePlanObjectionDays   = "plan.objection_days.range"
	RulePlanDiscrepancy     = "plan.monthly.discrepancy_percent.range"
)

// planRules are the plan checks, run in this order. Each reports what it
// finds through the checker; a rule for a new plan field is one more
// function here, and the editing API, the command line and the pages show
// its findings with no other change.
var planRules = []func(c *planChecker, p *Plan){
	checkYearAndTitle,
	checkDayOffRule,
	checkDeadline,
	checkCheckpoints,
	checkNodes,
	checkCalendar,
	checkCategories,
	checkInnovation,
	checkContacts,
	checkOfficeContacts,
	checkMonthly,
	checkDeductions,
	checkGrades,
	checkScoring,
	checkPhrases,
	checkContest,
}

// CheckPlan runs every plan check on p (as DecodePlan or ReadPlanYAML read
// it, or as stored) and returns the problems, which stop a plan from being
// published, and the warnings, which do not. Each is located by its path.
func CheckPlan(p *Plan) (problems, warnings []Violation) {
	c := &planChecker{}
	for _, rule := range planRules {
		rule(c, p)
	}
	return c.problems, c.warnings
}

type planChecker struct {
	problems, warnings []Violation
}

func (c *planChecker) fail(path, rule, format string, args ...any) {
	c.problems = append(c.problems, Violation{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (c *planChecker) warn(path, rule, format string, args ...any) {
	c.warnings = append(c.warnings, Violation{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// inYear reports a date that is missing or outside the plan's year.
func (c *planChecker) inYear(p *Plan, path string, d Date, what string) bool {
	switch {
	case d.IsZero():
		c.fail(path, RulePlanDateMissing, "未填写%s", what)
		return false
	case d.Year != p.Year:
		c.fail(path, RulePlanOutsideYear, "%s%s不在%d年内", what, d, p.Year)
		return false
	}
	return true
}

func checkYearAndTitle(c *planChecker, p *Plan) {
	if p.Year < 2000 || p.Year > 2200 {
		c.fail("year", RulePlanYear, "年度%d不在2000-2200之间", p.Year)
	}
	switch {
	case strings.TrimSpace(p.Title) == "":
		c.fail("title", RulePlanTitle, "未填写方案标题")
	case !strings.Contains(p.Title, fmt.Sprint(p.Year)):
		c.warn("title", RulePlanTitleYear, "方案标题“%s”中没有年度%d", p.Title, p.Year)
	}
	if _, err := time.LoadLocation(p.Zone); err != nil {
		c.fail("zone", RulePlanZone, "时区“%s”不存在", p.Zone)
	}
}

func checkDeadline(c *planChecker, p *Plan) {
	d := p.Deadline.Date
	if !c.inYear(p, "deadline.date", d, "指标表报送截止日期") {
		return
	}
	if !p.Calendar.IsWorkday(d) {
		if p.DueOnDayOff == AsIs {
			c.fail("deadline.date", RulePlanDeadlineDayOff, "指标表报送截止日期%s（%s）是休息日，且方案规定遇休息日不顺延", d, weekdayName(d))
		} else {
			c.warn("deadline.date", RulePlanDeadlineDayOff, "指标表报送截止日期%s（%s）是休息日，将顺延至%s", d, weekdayName(d), p.DueEndsOn(d))
		}
	}
	if p.Deadline.Time == (ClockTime{}) {
		c.warn("deadline.time", RulePlanDeadlineTime, "报送截止时刻为00:00，即%s零点前；下班前截止一般写17:30", d)
	}
	if len(p.Checkpoints) > 0 && !p.Checkpoints[0].Date.IsZero() && !d.Before(p.Checkpoints[0].Date) {
		c.fail("deadline.date", RulePlanDeadlineLate, "指标表报送截止日期%s不早于第一个序时节点%s", d, p.Checkpoints[0].Date)
	}
}

func checkCheckpoints(c *planChecker, p *Plan) {
	if len(p.Checkpoints) == 0 {
		c.fail("checkpoints", RulePlanCheckpointsNone, "至少需要一个序时进度节点日期")
		return
	}
	seen := map[Date]int{}
	var prev Date
	for i, cp := range p.Checkpoints {
		path := fmt.Sprintf("checkpoints[%d]", i)
		if !c.inYear(p, path+".date", cp.Date, "序时节点日期") {
			continue
		}
		if j, dup := seen[cp.Date]; dup {
			c.fail(path+".date", RulePlanCheckpointDup, "序时节点%s与第%d个节点重复", cp.Date, j+1)
		} else if !prev.IsZero() && cp.Date.Before(prev) {
			c.fail(path+".date", RulePlanCheckpointOrder, "序时节点应按日期先后排列：%s排在%s之后", cp.Date, prev)
		}
		seen[cp.Date] = i
		prev = cp.Date
		if strings.TrimSpace(cp.Name) == "" {
			c.warn(path+".name", RulePlanCheckpointName, "序时节点%s没有名称（如“6月30日前”），页面和附件将只显示日期", cp.Date)
		}
		if !p.Calendar.IsWorkday(cp.Date) {
			moved := ""
			if p.DueOnDayOff != AsIs {
				moved = "，将顺延至" + p.DueEndsOn(cp.Date).String()
			}
			c.warn(path+".date", RulePlanCheckpointOff, "序时节点%s（%s）是休息日%s", cp.Date, weekdayName(cp.Date), moved)
		}
	}
}

func checkNodes(c *planChecker, p *Plan) {
	n := p.Nodes
	switch {
	case n.Min < 1 || n.Max < n.Min:
		c.fail("nodes", RulePlanNodes, "每项工作的节点数应为%d-%d个，最少至少1个且不大于最多", n.Min, n.Max)
	case n.Max > len(p.Checkpoints):
		c.fail("nodes.max", RulePlanNodes, "每项工作最多%d个节点，但只有%d个序时节点日期（同一工作的节点须在不同日期）", n.Max, len(p.Checkpoints))
	}
}

func checkCalendar(c *planChecker, p *Plan) {
	cal := &p.Calendar
	if len(cal.Holidays) == 0 {
		c.fail("calendar.holidays", RulePlanCalendarEmpty, "尚未填写%d年的放假日期（国务院办公厅节假日安排）；提醒和逾期通知按工作日计算，须先填写", p.Year)
	}
	days := map[Date]string{}
	for _, list := range []struct {
		name    string
		entries []string
		holiday bool
	}{{"holidays", cal.Holidays, true}, {"workdays", cal.Workdays, false}} {
		for i, e := range list.entries {
			path := fmt.Sprintf("calendar.%s[%d]", list.name, i)
			ds, err := expandDates([]string{e})
			if err != nil {
				c.fail(path, RulePlanCalendarEntry, "日历条目“%s”无法识别：%v（应为YYYY-MM-DD或YYYY-MM-DD..YYYY-MM-DD）", e, err)
				continue
			}
			for _, d := range sortedDates(ds) {
				if d.Year != p.Year {
					c.fail(path, RulePlanOutsideYear, "日历条目“%s”中的%s不在%d年内", e, d, p.Year)
					break
				}
				if other, ok := days[d]; ok {
					if other == list.name {
						c.warn(path, RulePlanCalendarDup, "%s重复列出", d)
					} else {
						c.fail(path, RulePlanCalendarBoth, "%s既是放假日又是调休上班日", d)
					}
					continue
				}
				days[d] = list.name
				if !list.holiday && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
					c.warn(path, RulePlanCalendarWorkday, "调休上班日%s是%s，本来就是工作日", d, weekdayName(d))
				}
			}
		}
	}
}

func checkCategories(c *planChecker, p *Plan) {
	codes := map[string]string{}
	code := func(path, label, code string) {
		if strings.TrimSpace(code) == "" {
			c.fail(path, RulePlanCodeEmpty, "%s未填写代码", label)
			return
		}
		if first, dup := codes[code]; dup {
			c.fail(path, RulePlanCodeDuplicate, "%s的代码%s与%s重复", label, code, first)
			return
		}
		codes[code] = label
	}
	annexes := map[int]string{}
	for _, cat := range []struct {
		name string
		c    *Category
	}{{CategoryParty, &p.Party}, {CategoryBusiness, &p.Business}} {
		k, name := cat.c, cat.name
		if strings.TrimSpace(k.Name) == "" {
			c.fail(name+".name", RulePlanNameEmpty, "未填写指标类别名称")
		}
		if first, dup := annexes[k.Annex]; dup {
			c.warn(name+".annex", RulePlanAnnex, "附件序号%d与%s相同", k.Annex, first)
		}
		annexes[k.Annex] = name
		checkRanges(c, name, k)
		for i, it := range k.Items {
			path := fmt.Sprintf("%s.items[%d]", name, i)
			label := fmt.Sprintf("%s第%d项", k.Name, i+1)
			code(path+".code", label, it.Code)
			if strings.TrimSpace(it.Name) == "" {
				c.fail(path+".name", RulePlanNameEmpty, "指标%s未填写名称", it.Code)
			}
			for j, r := range it.Required {
				rpath := fmt.Sprintf("%s.required[%d]", path, j)
				code(rpath+".code", fmt.Sprintf("%s的须包括第%d项", label, j+1), r.Code)
				if strings.TrimSpace(r.Text) == "" {
					c.fail(rpath+".text", RulePlanNameEmpty, "须包括事项%s未填写内容", r.Code)
				}
			}
		}
	}
	if first, dup := annexes[p.Innovation.Annex]; dup {
		c.warn("innovation.annex", RulePlanAnnex, "附件序号%d与%s相同", p.Innovation.Annex, first)
	}
}

// checkRanges checks that a category's indicators can reach its total:
// every indicator takes a multiple of the step between min and max, so n
// indicators sum to exactly the multiples of the step from n×min to n×max.
func checkRanges(c *planChecker, name string, k *Category) {
	n := Points(len(k.Items))
	ok := true
	if len(k.Items) == 0 {
		c.fail(name+".items", RulePlanItemsEmpty, "%s没有指标", k.Name)
		ok = false
	}
	if k.Total <= 0 {
		c.fail(name+".total", RulePlanTotal, "%s合计分值应大于0", k.Name)
		ok = false
	}
	if k.Step <= 0 {
		c.fail(name+".step", RulePlanStep, "%s最小分值单位应大于0", k.Name)
		return
	}
	if k.Min <= 0 || k.Min > k.Max {
		c.fail(name+".min", RulePlanRange, "%s分值区间%s-%s分无效：最低分应大于0且不高于最高分", k.Name, k.Min, k.Max)
		return
	}
	for _, f := range []struct {
		field string
		v     Points
	}{{"min", k.Min}, {"max", k.Max}, {"total", k.Total}} {
		if !f.v.Multiple(k.Step) {
			c.fail(name+"."+f.field, RulePlanStep, "%s的%s分不是最小分值单位%s分的整数倍", k.Name, f.v, k.Step)
			ok = false
		}
	}
	if !ok {
		return
	}
	if lo, hi := n*k.Min, n*k.Max; k.Total < lo || k.Total > hi {
		c.fail(name, RulePlanUnreachable, "%d项指标每项%s-%s分，合计只能在%s-%s分之间，达不到%s分", len(k.Items), k.Min, k.Max, lo, hi, k.Total)
	}
}

func checkInnovation(c *planChecker, p *Plan) {
	in := p.Innovation
	switch {
	case in.MaxItems < 0:
		c.fail("innovation.max_items", RulePlanInnovation, "创新工作项数上限不能为负数")
	case in.MaxItems == 0:
		return // no innovation items this year
	}
	if in.Step <= 0 {
		c.fail("innovation.step", RulePlanInnovation, "创新指标最小分值单位应大于0")
		return
	}
	if in.MaxPoints <= 0 {
		c.fail("innovation.max_points", RulePlanInnovation, "每项创新工作分值上限应大于0")
	} else if !in.MaxPoints.Multiple(in.Step) {
		c.fail("innovation.max_points", RulePlanInnovation, "创新工作分值上限%s分不是最小分值单位%s分的整数倍", in.MaxPoints, in.Step)
	}
}

// contactFields are the fields a supervision contact has.
var contactFields = []string{"name", "position", "phone", "mobile", "email"}

func checkContacts(c *planChecker, p *Plan) {
	for i, f := range p.Contacts.Required {
		if !slices.Contains(contactFields, f) {
			c.fail(fmt.Sprintf("contacts.required[%d]", i), RulePlanContacts, "联系人没有“%s”这一项（可选：%s）", f, strings.Join(contactFields, "、"))
		}
	}
	if p.Contacts.MinCount < 1 {
		c.fail("contacts.min_count", RulePlanContacts, "至少需要1名完整的督查联系人")
	}
	seen := map[string]bool{}
	for i, d := range p.Contacts.Duties {
		path := fmt.Sprintf("contacts.duties[%d]", i)
		switch {
		case d != DutyHead && d != DutyStaff:
			c.fail(path, RulePlanContacts, "联系人职责“%s”应为 %s（负责人）或 %s（工作人员）", d, DutyHead, DutyStaff)
		case seen[d]:
			c.warn(path, RulePlanContacts, "联系人职责“%s”重复", d)
		}
		seen[d] = true
	}
}

func checkOfficeContacts(c *planChecker, p *Plan) {
	if len(p.OfficeContacts) == 0 {
		c.warn("office_contacts", RulePlanOfficeContacts, "没有办公室联系人，提醒邮件和页面将不写“如有疑问，请联系”")
	}
	for i, oc := range p.OfficeContacts {
		path := fmt.Sprintf("office_contacts[%d]", i)
		if strings.TrimSpace(oc.Name) == "" {
			c.fail(path+".name", RulePlanOfficeContacts, "办公室联系人未填写姓名")
		}
		if strings.TrimSpace(oc.Phone) == "" && strings.TrimSpace(oc.Email) == "" {
			c.fail(path+".phone", RulePlanOfficeContacts, "办公室联系人%s没有电话，也没有邮箱", oc.Name)
		}
		if oc.Email != "" && !ValidEmail(oc.Email) {
			c.fail(path+".email", RulePlanOfficeContacts, "办公室联系人%s的邮箱“%s”无效", oc.Name, oc.Email)
		}
	}
}

func checkDayOffRule(c *planChecker, p *Plan) {
	if p.DueOnDayOff != NextWorkingDay && p.DueOnDayOff != AsIs {
		c.fail("due_on_day_off", RulePlanDayOffRule, "遇休息日规则“%s”应为 %s（顺延至下一个工作日）或 %s（不顺延）", p.DueOnDayOff, NextWorkingDay, AsIs)
	}
	if p.ReleaseGraceDays < 1 || p.ReleaseGraceDays > 60 {
		c.fail("release_grace_days", RulePlanReleaseGrace, "下发后节点宽限期%d个工作日应在1-60之间", p.ReleaseGraceDays)
	}
}

// checkContest checks what a published result's contest needs: an
// objection period of whole working days, and a share of the member
// information system's figure beyond which a unit's count is flagged.
func checkContest(c *planChecker, p *Plan) {
	if p.ObjectionDays < 1 || p.ObjectionDays > 30 {
		c.fail("objection_days", RulePlanObjectionDays, "公示期%d个工作日应在1-30之间", p.ObjectionDays)
	}
	if d := p.Monthly.DiscrepancyPercent; d <= 0 || d > 100*Point {
		c.fail("monthly.discrepancy_percent", RulePlanDiscrepancy, "会员数量差异比例%s%%应大于0、不超过100", d)
	}
}

func checkMonthly(c *planChecker, p *Plan) {
	m := p.Monthly
	if m.From == "" && m.To == "" && m.Indicator == "" {
		return // no monthly count this year
	}
	if m.Indicator != "" {
		it, ok := p.Business.Item(m.Indicator)
		switch {
		case !ok:
			c.fail("monthly.indicator", RulePlanMonthly, "月度报送所属的业务指标%s不存在", m.Indicator)
		case m.Required != "" && !slices.ContainsFunc(it.Required, func(r Required) bool { return r.Code == m.Required }):
			c.fail("monthly.required", RulePlanMonthly, "业务指标%s没有须包括事项%s", m.Indicator, m.Required)
		}
	}
	from, err1 := ParseMonth(m.From)
	if err1 != nil {
		c.fail("monthly.from", RulePlanMonthly, "月度报送起始月份“%s”应为YYYY-MM", m.From)
	}
	to, err2 := ParseMonth(m.To)
	if err2 != nil {
		c.fail("monthly.to", RulePlanMonthly, "月度报送截止月份“%s”应为YYYY-MM", m.To)
	}
	if m.DueDay < 1 || m.DueDay > 28 {
		c.fail("monthly.due_day", RulePlanMonthly, "每月报送日%d应在1-28日之间（每个月都有这一天）", m.DueDay)
	}
	if err1 != nil || err2 != nil {
		return
	}
	for _, f := range []struct {
		path string
		m    Month
	}{{"monthly.from", from}, {"monthly.to", to}} {
		if f.m.Year != p.Year {
			c.fail(f.path, RulePlanOutsideYear, "月份%s不在%d年内", f.m, p.Year)
		}
	}
	if from.After(to) {
		c.fail("monthly.to", RulePlanMonthly, "月度报送截止月份%s早于起始月份%s", to, from)
		return
	}
	if m.DueDay >= 1 && m.DueDay <= 28 && !p.Scoring.Date.IsZero() && p.MonthDue(to).After(p.Scoring.Date) {
		c.warn("monthly.to", RulePlanMonthlyLate, "%s月的数量%s才到期，晚于年底考核计分日%s", to, p.MonthDue(to), p.Scoring.Date)
	}
}

func checkDeductions(c *planChecker, p *Plan) {
	d := p.Deductions
	for _, f := range []struct {
		field string
		v     Points
	}{{"late_submission_per_day", d.LateSubmissionPerDay}, {"late_submission_cap", d.LateSubmissionCap}, {"late_node", d.LateNode},
		{"missing_node", d.MissingNode}, {"monthly_missing", d.MonthlyMissing}, {"monthly_late", d.MonthlyLate}} {
		if f.v < 0 {
			c.fail("deductions."+f.field, RulePlanDeduction, "扣分不能为负数（%s分）", f.v)
		}
	}
	if d.LateSubmissionCap > 0 && d.LateSubmissionCap < d.LateSubmissionPerDay {
		c.warn("deductions.late_submission_cap", RulePlanDeductionOdd, "迟报扣分上限%s分小于每天%s分，迟报一天即封顶", d.LateSubmissionCap, d.LateSubmissionPerDay)
	}
	if d.MonthlyLate > d.MonthlyMissing {
		c.warn("deductions.monthly_late", RulePlanDeductionOdd, "月度数量迟报扣%s分，多于漏报的%s分", d.MonthlyLate, d.MonthlyMissing)
	}
	if d.LateNode > d.MissingNode {
		c.warn("deductions.late_node", RulePlanDeductionOdd, "节点逾期报送扣%s分，多于未报送的%s分", d.LateNode, d.MissingNode)
	}
	seen := map[string]bool{}
	for i, r := range d.ManualRules {
		path := fmt.Sprintf("deductions.manual_rules[%d]", i)
		switch {
		case strings.TrimSpace(r) == "":
			c.fail(path, RulePlanDeduction, "人工扣分事由不能为空")
		case seen[r]:
			c.fail(path, RulePlanDeduction, "人工扣分事由“%s”重复", r)
		}
		seen[r] = true
	}
	if len(d.ManualRules) == 0 {
		c.warn("deductions.manual_rules", RulePlanDeductionOdd, "没有人工扣分事由，办公室无法记录瞒报、质量不高等扣分")
	}
}

func checkGrades(c *planChecker, p *Plan) {
	if len(p.Grades) == 0 {
		c.warn("grades", RulePlanGradesOdd, "没有等次，排名不分等次")
		return
	}
	best := p.Party.Total + p.Business.Total + Points(max(p.Innovation.MaxItems, 0))*p.Innovation.MaxPoints
	names := map[string]bool{}
	for i, g := range p.Grades {
		path := fmt.Sprintf("grades[%d]", i)
		switch {
		case strings.TrimSpace(g.Name) == "":
			c.fail(path+".name", RulePlanGradeName, "等次名称不能为空")
		case names[g.Name]:
			c.fail(path+".name", RulePlanGradeName, "等次“%s”重复", g.Name)
		}
		names[g.Name] = true
		if i > 0 && g.Min >= p.Grades[i-1].Min {
			c.fail(path+".min", RulePlanGradesOrder, "等次应从高到低排列：“%s”的最低分%s不低于上一等次“%s”的%s", g.Name, g.Min, p.Grades[i-1].Name, p.Grades[i-1].Min)
		}
		if g.Min > best {
			c.warn(path+".min", RulePlanGradesOdd, "等次“%s”的最低分%s高于可能的最高总分%s，没有单位能达到", g.Name, g.Min, best)
		}
	}
	if last := p.Grades[len(p.Grades)-1]; last.Min > 0 {
		c.warn(fmt.Sprintf("grades[%d].min", len(p.Grades)-1), RulePlanGradesOdd, "最低等次“%s”从%s分起，低于它的总分也将列为该等次", last.Name, last.Min)
	}
}

func checkScoring(c *planChecker, p *Plan) {
	d := p.Scoring.Date
	if d.IsZero() {
		c.fail("scoring.date", RulePlanDateMissing, "未填写年底考核计分日期")
		return
	}
	if d.Year < p.Year || d.Year > p.Year+1 {
		c.fail("scoring.date", RulePlanOutsideYear, "年底考核计分日期%s不在%d年或次年", d, p.Year)
		return
	}
	var last Date
	for _, cp := range p.Checkpoints {
		if cp.Date.After(last) {
			last = cp.Date
		}
	}
	if !last.IsZero() && !d.After(p.DueEndsOn(last)) {
		c.fail("scoring.date", RulePlanScoring, "年底考核计分日期%s应晚于最后一个序时节点%s", d, p.CheckpointDue(last).Label)
	}
	if d.Year > p.Year {
		c.warn("scoring.date", RulePlanScoringOdd, "年底考核计分日期%s在次年", d)
	}
	if !p.Calendar.IsWorkday(d) {
		c.warn("scoring.date", RulePlanScoringOdd, "年底考核计分日期%s（%s）是休息日", d, weekdayName(d))
	}
}

func checkPhrases(c *planChecker, p *Plan) {
	seen := map[string]bool{}
	for i, ph := range p.ForbiddenPhrases {
		path := fmt.Sprintf("forbidden_phrases[%d]", i)
		switch {
		case strings.TrimSpace(ph) == "":
			c.fail(path, RulePlanPhrase, "禁用语不能为空（空字符串会禁止一切完成标准）")
		case seen[ph]:
			c.warn(path, RulePlanPhrase, "禁用语“%s”重复", ph)
		}
		seen[ph] = true
	}
}

// weekdayName is the Chinese name of d's day of the week.
func weekdayName(d Date) string {
	return [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}[d.Weekday()]
}

func sortedDates(m map[Date]bool) []Date {
	out := make([]Date, 0, len(m))
	for d := range m {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Date) int { return a.Compare(b) })
	return out
}
