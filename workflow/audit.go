package workflow

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// AuditNames are the names an audit entry's codes stand for: units by
// code, nodes and evidence files by ID.
type AuditNames struct {
	Units    map[string]string
	Nodes    map[int64]NodeRecord
	Evidence map[int64]string
}

// AuditView is an audit entry as people read it: the target and the
// detail in words, no codes, IDs or hashes.
type AuditView struct {
	AuditEntry
	TargetLabel string `json:"target_label"`
	DetailLabel string `json:"detail_label"`
	// UnitName is the name of the entry's unit ("" for none).
	UnitName string `json:"unit_name"`
}

// TargetID returns the ID of the entry's target when it is of kind (node,
// evidence).
func (e AuditEntry) TargetID(kind string) (int64, bool) {
	rest, ok := strings.CutPrefix(e.Target, kind+":")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// Describe says an audit entry in words with names.
func (n AuditNames) Describe(e AuditEntry) AuditView {
	v := AuditView{AuditEntry: e, UnitName: n.Units[e.Unit], TargetLabel: n.target(e.Target), DetailLabel: n.detail(e.Detail)}
	return v
}

func (n AuditNames) unit(code string) string {
	if name, ok := n.Units[code]; ok {
		return name
	}
	return "单位" + code
}

func (n AuditNames) target(t string) string {
	kind, rest, _ := strings.Cut(t, ":")
	switch kind {
	case "user":
		return "账号 " + rest
	case "unit":
		return n.unit(rest)
	case "submission":
		if y, u, ok := strings.Cut(rest, "/"); ok {
			return fmt.Sprintf("%s %s年度指标表", n.unit(u), y)
		}
	case "node":
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil {
			if r, ok := n.Nodes[id]; ok {
				return fmt.Sprintf("%s %s", n.unit(r.Unit), NodeFact{Category: r.Category, Indicator: r.Indicator, ItemIndex: r.ItemIndex, WorkIndex: r.WorkIndex, NodeIndex: r.NodeIndex, Due: r.Due}.Label())
			}
			return "一个节点"
		}
	case "evidence":
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil {
			if name, ok := n.Evidence[id]; ok {
				return "佐证材料“" + name + "”"
			}
			return "一份佐证材料"
		}
	case "monthly":
		parts := strings.Split(rest, "/")
		if len(parts) == 3 {
			if m, err := ParseMonth(parts[2]); err == nil {
				return fmt.Sprintf("%s %d年%d月会员实名制数量", n.unit(parts[1]), m.Year, m.Month)
			}
		}
		return rest + "年度会员实名制数量"
	case "deduction":
		return "人工扣分记录"
	case "notification":
		return "提醒邮件"
	case "scoring-run":
		if y, id, ok := strings.Cut(rest, "/"); ok {
			return fmt.Sprintf("%s年度第%s次计分", y, id)
		}
	}
	return t
}

var (
	versionDetail = regexp.MustCompile(`^version (\d+)$`)
	digestDetail  = regexp.MustCompile(`^inputs [0-9a-f]+$`)
	filesDetail   = regexp.MustCompile(`; (\d+)个文件: `)
	nodeDetail    = regexp.MustCompile(`; 节点\d+: `)
)

// detail writes the entry's detail without codes: versions, roles and
// input digests in words.
func (n AuditNames) detail(d string) string {
	switch {
	case versionDetail.MatchString(d):
		return "第" + versionDetail.FindStringSubmatch(d)[1] + "版"
	case digestDetail.MatchString(d):
		return ""
	case Role(d).Valid():
		return Role(d).Label()
	}
	d = filesDetail.ReplaceAllString(d, "；${1}个文件：")
	return nodeDetail.ReplaceAllString(d, "；节点")
}

// Label is the role's Chinese name.
func (r Role) Label() string {
	return nameOf(roleNames, r)
}
