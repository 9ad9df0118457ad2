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
	// Duties name the duties of a supervision contact.
	Duties map[string]string `json:"duties"`
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
		Duties:         names(dutyNames),
	}
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
}

var deductionRuleNames = map[string]string{
	RuleLateSubmission: "指标表迟报",
	RuleLateNode:       "节点逾期报送",
	RuleMissingNode:    "节点年底未报送",
	RuleMonthlyMissing: "月度数量未报送",
	RuleMonthlyLate:    "月度数量迟报",
}

var noticeKindNames = map[NoticeKind]string{
	NoticeReminder: "提醒",
	NoticeOverdue:  "逾期通知",
	NoticeDigest:   "汇总",
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
}
