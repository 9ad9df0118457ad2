package workflow

import "testing"

func TestAuditInWords(t *testing.T) {
	names := AuditNames{
		Units:    map[string]string{"wfd": "瓦房店市总工会", "gjz": "甘井子区总工会"},
		Nodes:    map[int64]NodeRecord{7: {Unit: "gjz", Category: CategoryBusiness, Indicator: "B3", WorkIndex: 0, NodeIndex: 1, Due: MustDate("2019-09-30")}},
		Evidence: map[int64]string{9: "签到表.jpg"},
	}
	tests := []struct{ target, detail, wantTarget, wantDetail string }{
		{"user:admin", "office", "账号 admin", "市总工会办公室"},
		{"submission:2019/wfd", "version 3", "瓦房店市总工会 2019年度指标表", "第3版"},
		{"unit:gjz", "甘井子区总工会", "甘井子区总工会", "甘井子区总工会"},
		{"node:7", "待报送 → 已报送; 2个文件: a.pdf、b.png", "甘井子区总工会 B3 第1项工作 节点2（9月30日前）", "待报送 → 已报送；2个文件：a.pdf、b.png"},
		{"evidence:9", "签到表.jpg; 节点7: 待报送", "佐证材料“签到表.jpg”", "签到表.jpg；节点待报送"},
		{"scoring-run:2019/3", "inputs c4da34809f17", "2019年度第3次计分", ""},
		{"monthly:2019/gjz/2019-07", "数量 120", "甘井子区总工会 2019年7月会员实名制数量", "数量 120"},
	}
	for _, tt := range tests {
		v := names.Describe(AuditEntry{Target: tt.target, Detail: tt.detail})
		if v.TargetLabel != tt.wantTarget || v.DetailLabel != tt.wantDetail {
			t.Errorf("%s / %s: %q / %q, want %q / %q", tt.target, tt.detail, v.TargetLabel, v.DetailLabel, tt.wantTarget, tt.wantDetail)
		}
	}
}
