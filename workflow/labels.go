package workflow

// LabelTables are the Chinese names of the codes that the API sends and the
// web pages show. GET /api/v1/labels serves them, so the pages hold no copy of
// their own. Each map takes a code to its name, and a page shows a code
// that is missing from its map as the code itself.
type LabelTables struct {
	// States are the submission states, plus "none" for a unit that has not
	// started its tables.
	States map[string]string `json:"states"`
	// Actions are the actions in a submission's history (save, submit, …).
	Actions map[string]string `json:"actions"`
	// AuditActions are the actions in the audit log (login,
	// submission.submit, node.review, …).
	AuditActions map[string]string `json:"audit_actions"`
	// Roles are the roles of accounts, plus the scheduler's own role.
	Roles map[string]string `json:"roles"`
	// NodeStates are the states of nodes, both stored and derived.
	NodeStates map[string]string `json:"node_states"`
	// Colours are the status lights (红黄绿灯).
	Colours map[string]string `json:"colours"`
	// Categories name the first part of a violation's path: the three
	// annexes and the contacts.
	Categories map[string]string `json:"categories"`
	// Fields name the other parts of a violation's path (points, due, email,
	// …) and the fields of the pages' forms.
	Fields map[string]string `json:"fields"`
	// DeductionRules are the automatic deductions of year-end scoring. The
	// rule of a manual deduction is already its name (瞒报, 质量不高, …).
	DeductionRules map[string]string `json:"deduction_rules"`
	// NoticeKinds are the kinds of email the jobs send.
	NoticeKinds map[string]string `json:"notice_kinds"`
	// OutboxStates are the states of an email in the outbox.
	OutboxStates map[string]string `json:"outbox_states"`
	// MonthlySources say how a monthly member count came in.
	MonthlySources map[string]string `json:"monthly_sources"`
	// ResultStates are the states of a published year (公示中, 已确定).
	ResultStates map[string]string `json:"result_states"`
	// ObjectionVerdicts are the office's answers to objections.
	ObjectionVerdicts map[string]string `json:"objection_verdicts"`
	// LineKinds are the kinds of line of a result's breakdown and of a
	// diff between runs.
	LineKinds map[string]string `json:"line_kinds"`
	// Duties name the duties of a supervision contact.
	Duties map[string]string `json:"duties"`
	// Channels name how an outbox message is delivered: by email or to a
	// group robot.
	Channels map[string]string `json:"channels"`
	// PlanStates are the states of a version of a year's plan: a draft
	// never published, the plan in force, or a published version
	// corrected since.
	PlanStates map[string]string `json:"plan_states"`
	// DayOffRules say what becomes of a deadline on a day off
	// (Plan.DueOnDayOff).
	DayOffRules map[string]string `json:"day_off_rules"`
}

// Labels returns every label table. Each call returns fresh maps, which the
// caller may change.
func Labels() LabelTables {
	states := names(stateNames)
	// A unit without a submission reads as "none" in the overview, the
	// progress page and the results.
	states["none"] = "未填报"
	return LabelTables{
		States:         states,
		Actions:        names(actionNames),
		AuditActions:   names(auditActionNames),
		Roles:          names(roleNames),
		NodeStates:     names(nodeStateNames),
		Colours:        names(colourNames),
		Categories:     names(categoryNames),
		Fields:         names(fieldNames),
		DeductionRules: names(deductionRuleNames),
		NoticeKinds:    names(noticeKindNames),
		OutboxStates:   names(outboxStateNames),
		MonthlySources: names(monthlySourceNames),
		ResultStates:   map[string]string{ResultPublic: ResultStateLabel(ResultPublic), ResultFinal: ResultStateLabel(ResultFinal)},
		ObjectionVerdicts: map[string]string{"": VerdictLabel(""), VerdictAccept: VerdictLabel(VerdictAccept),
			VerdictReject: VerdictLabel(VerdictReject)},
		LineKinds: names(lineKindNames),
		Duties:    names(dutyNames),
		Channels:  channelNames(),
		// The service's version states (service.PlanDraft, …), which
		// workflow cannot import.
		PlanStates:  map[string]string{"draft": "草稿", "published": "现行方案", "superseded": "已被更正"},
		DayOffRules: names(dayOffRuleNames),
	}
}

var dayOffRuleNames = map[DayOffRule]string{
	NextWorkingDay: "顺延至下一个工作日",
	AsIs:           "不顺延",
}

var lineKindNames = map[string]string{
	LineScore:      "小计",
	LineIndicator:  "指标",
	LineNode:       "节点",
	LineInnovation: "创新指标",
	LineDeduction:  "扣分",
}

// channelNames names every channel by Channel.Label.
func channelNames() map[string]string {
	out := map[string]string{}
	for _, c := range []Channel{ChannelEmail, ChannelWeCom, ChannelDingTalk} {
		out[string(c)] = c.Label()
	}
	return out
}

// nameOf is the name of code in m, or the code itself when m has none
// (as the pages show a code missing from its table).
func nameOf[K ~string](m map[K]string, code K) string {
	if n, ok := m[code]; ok {
		return n
	}
	return string(code)
}

func names[K ~string](m map[K]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

var roleNames = map[Role]string{
	RoleOffice: "市总工会办公室",
	RoleUnit:   "区总工会",
	RoleViewer: "领导（只读）",
	RoleSystem: "系统",
}

var colourNames = map[Colour]string{
	Red:    "红灯",
	Yellow: "黄灯",
	Green:  "绿灯",
}

var categoryNames = map[string]string{
	CategoryParty:      "党建指标",
	CategoryBusiness:   "业务指标",
	CategoryInnovation: "创新指标",
	"contacts":         "督查工作联系人",
}

var dutyNames = map[string]string{DutyHead: "负责人", DutyStaff: "工作人员"}

// fieldNames are keyed by the JSON names of the fields.
var fieldNames = map[string]string{
	// The indicator tables.
	"code":     "代码",
	"points":   "分值",
	"works":    "具体工作",
	"title":    "名称",
	"covers":   "须包括事项",
	"nodes":    "序时进度",
	"due":      "时间节点",
	"target":   "工作目标",
	"standard": "完成标准",
	"evidence": "佐证材料",
	"content":  "核心内容",
	"effect":   "预期成效",
	"comment":  "退回意见",
	// Contacts and accounts.
	"name":      "姓名",
	"position":  "职务",
	"phone":     "电话",
	"mobile":    "手机",
	"email":     "电子邮箱",
	"duty":      "分工",
	"username":  "用户名",
	"password":  "密码",
	"role":      "角色",
	"unit_code": "所属单位",
	// Evidence, monthly counts and deductions.
	"files":  "文件",
	"note":   "说明",
	"count":  "数量",
	"rule":   "扣分事项",
	"reason": "原因",
	// Waivers, receipts, objections and their answers.
	"ref":        "考核结果项",
	"text":       "内容",
	"verdict":    "答复结论",
	"correction": "更正",
	"at":         "实际收到时间",
	"month":      "月份",
	// The plan document (its checks locate problems by these).
	"year":                "年度",
	"zone":                "时区",
	"deadline":            "报送截止",
	"date":                "日期",
	"time":                "时刻",
	"checkpoints":         "序时节点",
	"calendar":            "节假日安排",
	"holidays":            "放假日期",
	"workdays":            "调休上班日期",
	"forbidden_phrases":   "禁用语",
	"min":                 "最低分",
	"max":                 "最高分",
	"total":               "合计",
	"step":                "最小分值单位",
	"items":               "指标",
	"required":            "须包括事项",
	"annex":               "附件序号",
	"max_items":           "项数上限",
	"max_points":          "分值上限",
	"min_count":           "最少人数",
	"duties":              "分工",
	"monthly":             "月度报送",
	"from":                "起始月份",
	"to":                  "截止月份",
	"due_day":             "每月报送日",
	"deductions":          "扣分标准",
	"manual_rules":        "人工扣分事由",
	"grades":              "等次",
	"scoring":             "年底计分",
	"office_contacts":     "办公室联系人",
	"due_on_day_off":      "遇休息日",
	"release_grace_days":  "下发后宽限工作日",
	"objection_days":      "公示期工作日",
	"discrepancy_percent": "会员数量差异比例",
}

var deductionRuleNames = map[string]string{
	RuleLateSubmission: "指标表迟报",
	RuleLateNode:       "节点逾期报送",
	RuleMissingNode:    "节点未报送",
	RuleMonthlyMissing: "会员实名制数量未报送",
	RuleMonthlyLate:    "会员实名制数量逾期报送",
}

var noticeKindNames = map[NoticeKind]string{
	NoticeReminder: "提醒",
	NoticeOverdue:  "逾期通知",
	NoticeDigest:   "汇总",
	// The notices of a published result.
	NoticePublication: "结果公示",
	NoticeAnswer:      "异议答复",
	NoticeObjections:  "异议待答复",
}

// outboxStateNames are keyed by the outbox's states (OutboxState), which
// belong to the service layer.
var outboxStateNames = map[string]string{
	"pending": "待发送",
	"sent":    "已发送",
	"failed":  "发送失败",
	"expired": "已过期",
}

// monthlySourceNames are keyed by the sources of monthly reports
// (SourceAPI, SourceImport), which belong to the service layer.
var monthlySourceNames = map[string]string{
	"api":    "页面填报",
	"import": "文件导入",
}

// auditActionNames are keyed by the actions the service writes to the audit
// log.
var auditActionNames = map[string]string{
	"login":               "登录",
	"logout":              "退出",
	"unit.create":         "新建单位",
	"contacts.set":        "修改联系人",
	"user.create":         "新建账号",
	"user.password":       "修改密码",
	"submission.save":     "保存指标表",
	"submission.submit":   "报送指标表",
	"submission.return":   "退回指标表",
	"submission.certify":  "认定指标表",
	"submission.release":  "返各单位执行",
	"submission.score":    "计分",
	"node.report":         "报送节点佐证材料",
	"node.review":         "审核节点",
	"evidence.withdraw":   "撤回佐证材料",
	"monthly.report":      "报送会员实名制数量",
	"monthly.import":      "导入会员实名制数量",
	"deduction.add":       "录入扣分",
	"deduction.delete":    "删除扣分",
	"scoring.run":         "计分（试算）",
	"scoring.publish":     "发布考核结果",
	"notification.resend": "重新发送邮件",
	"robot.add":           "添加群机器人",
	"robot.delete":        "删除群机器人",
	"robot.test":          "测试群机器人",
	"calendar.rotate":     "更换日历订阅地址",
	// Contesting a result.
	"waiver.add":                "减免扣分",
	"waiver.withdraw":           "撤销减免",
	"submission.received":       "登记实际收到时间",
	"submission.received.clear": "撤销实际收到时间",
	"objection.file":            "提出异议",
	"objection.answer":          "答复异议",
	"plan.save":                 "保存考核方案",
	"plan.publish":              "发布考核方案",
}

// DeductionRuleLabel names a deduction's rule in Chinese: an automatic
// rule by its name, a manual one (already the plan's words, 瞒报) as it is.
func DeductionRuleLabel(rule string) string {
	return nameOf(deductionRuleNames, rule)
}
