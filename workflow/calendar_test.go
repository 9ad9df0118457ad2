package workflow

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// eventLines writes events as "uid-kind local-time-or-date title", in
// feed order.
func eventLines(p *Plan, es []CalendarEvent) []string {
	var out []string
	for _, e := range es {
		when := e.At.In(p.Location()).Format("2006-01-02 15:04")
		if e.AllDay {
			when = e.Date.String() + " all-day"
		}
		kind := strings.Split(e.UID, "-")[2]
		out = append(out, fmt.Sprintf("%s %s %s", kind, when, e.Title))
	}
	return out
}

func TestCalendarEvents(t *testing.T) {
	p := loadPlan2019(t)
	sh := p.Location()
	units := []Unit{{Code: "gjz", Name: "甘井子区总工会"}, {Code: "zs", Name: "中山区总工会"}}
	months := []string{
		"monthly 2019-07-05 all-day 2019年6月会员实名制信息采集数量报送截止",
		"monthly 2019-08-05 all-day 2019年7月会员实名制信息采集数量报送截止",
		"monthly 2019-09-05 all-day 2019年8月会员实名制信息采集数量报送截止",
		"monthly 2019-10-08 all-day 2019年9月会员实名制信息采集数量报送截止（原定10月5日，顺延至10月8日）",
		"monthly 2019-11-05 all-day 2019年10月会员实名制信息采集数量报送截止",
		"monthly 2019-12-05 all-day 2019年11月会员实名制信息采集数量报送截止",
	}
	endOf := func(d string) time.Time { return MustDate(d).AddDays(1).In(sh) }
	nodes := []NodeDue{
		// June 30 and November 30, 2019 are days off: the nodes end on the
		// next working day.
		{Unit: "gjz", Due: MustDate("2019-06-30"), At: endOf("2019-07-01")},
		{Unit: "gjz", Due: MustDate("2019-06-30"), At: endOf("2019-07-01")},
		{Unit: "gjz", Due: MustDate("2019-11-30"), At: endOf("2019-12-02")},
		// zs's tables were released on July 3: its June nodes are due by
		// the 5th working day after.
		{Unit: "zs", Due: MustDate("2019-06-30"), At: endOf("2019-07-10")},
	}
	// office is every unit's deadlines, as the office's feed lists them.
	office := []string{
		"submission 2019-06-13 17:30 2019年度实绩考核指标表报送截止",
		"nodes 2019-07-01 all-day 6月30日前序时进度节点截止（1个单位2项）（原定6月30日，顺延至7月1日）",
		months[0],
		"nodes 2019-07-10 all-day 6月30日前序时进度节点截止（1个单位1项）（原定6月30日，顺延至7月10日）",
		months[1], months[2],
		"checkpoint 2019-09-30 all-day 9月30日前序时进度节点截止",
		months[3], months[4],
		"nodes 2019-12-02 all-day 11月30日前序时进度节点截止（1个单位1项）（原定11月30日，顺延至12月2日）",
		months[5],
	}
	tests := []struct {
		name  string
		owner string
		units []Unit
		nodes []NodeDue
		// objections is the end of the published result's objection
		// period (zero before publication).
		objections time.Time
		want       []string
	}{
		{"a unit before release: the plan's checkpoints", "gjz", units[:1], nil, time.Time{}, []string{
			"submission 2019-06-13 17:30 2019年度实绩考核指标表报送截止",
			"checkpoint 2019-07-01 all-day 6月30日前序时进度节点截止（原定6月30日，顺延至7月1日）",
			months[0], months[1], months[2],
			"checkpoint 2019-09-30 all-day 9月30日前序时进度节点截止",
			months[3], months[4],
			"checkpoint 2019-12-02 all-day 11月30日前序时进度节点截止（原定11月30日，顺延至12月2日）",
			months[5],
		}},
		{"a unit's released nodes", "gjz", units[:1], nodes, time.Time{}, []string{
			"submission 2019-06-13 17:30 2019年度实绩考核指标表报送截止",
			"nodes 2019-07-01 all-day 6月30日前序时进度节点截止（2项）（原定6月30日，顺延至7月1日）",
			months[0], months[1], months[2], months[3], months[4],
			"nodes 2019-12-02 all-day 11月30日前序时进度节点截止（1项）（原定11月30日，顺延至12月2日）",
			months[5],
		}},
		{"a unit whose nodes moved", "zs", units[1:], nodes, time.Time{}, []string{
			"submission 2019-06-13 17:30 2019年度实绩考核指标表报送截止",
			months[0],
			"nodes 2019-07-10 all-day 6月30日前序时进度节点截止（1项）（原定6月30日，顺延至7月10日）", months[1], months[2], months[3], months[4], months[5],
		}},
		{"the office: every unit", "", units, nodes, time.Time{}, office},
		{"the office after publication: the objection period", "", units, nodes, endOf("2019-12-27"),
			append(slices.Clone(office), "objections 2019-12-27 all-day 2019年度考核结果公示期结束（异议截止）")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := p.CalendarEvents(tt.owner, tt.units, tt.nodes, tt.objections)
			got := eventLines(p, es)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			uids := map[string]bool{}
			for _, e := range es {
				if uids[e.UID] {
					t.Errorf("UID %s twice", e.UID)
				}
				uids[e.UID] = true
			}
		})
	}
	// The same deadlines give the same UIDs, so calendars update events
	// instead of adding them.
	a, b := p.CalendarEvents("gjz", units[:1], nodes, time.Time{}), p.CalendarEvents("gjz", units[:1], nodes, time.Time{})
	for i := range a {
		if a[i].UID != b[i].UID {
			t.Fatalf("UIDs differ between reads: %s %s", a[i].UID, b[i].UID)
		}
	}
}
