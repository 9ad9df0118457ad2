package jobs_test

import (
	"context"
	"strings"
	"testing"

	"kaohe/workflow"
)

// TestMessagesNameTheOffice: every reminder, overdue notice and digest ends
// with the office's contacts from the plan, as the notice does, in both
// parts; and a unit whose contacts have no email address gets no mail but
// is named in the office's digest, to be called instead.
func TestMessagesNameTheOffice(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "sqlite", at(7, 2, 9, 0))
	ctx := context.Background()
	noMail := contactsOf("zs")
	for i := range noMail {
		noMail[i].Email = ""
	}
	if _, err := w.svc.SetContacts(ctx, unitActor("zs"), "zs", noMail); err != nil {
		t.Fatal(err)
	}
	w.createNodes(
		workflow.NodeRecord{Unit: "gjz", Category: workflow.CategoryBusiness, Indicator: "B1", ItemIndex: 0, Work: "货车司机入会", Due: workflow.MustDate("2019-06-30"), Points: 300},
		workflow.NodeRecord{Unit: "zs", Category: workflow.CategoryBusiness, Indicator: "B1", ItemIndex: 0, Work: "货车司机入会", Due: workflow.MustDate("2019-06-30"), Points: 300},
	)
	ms, err := w.due()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[workflow.NoticeKind]int{}
	for _, m := range ms {
		kinds[m.Kind]++
		if m.Unit == "zs" {
			t.Errorf("a %s to a unit with no address: %s", m.Kind, m.Recipient)
		}
		for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
			for _, want := range []string{"如有疑问", "林浩", "82610211", "547143449@qq.com", "张慧", "82637411", "请勿直接回复"} {
				if !strings.Contains(body, want) {
					t.Errorf("%s %s part lacks %q:\n%s", m.Kind, part, want, body)
				}
			}
		}
		if m.Kind == workflow.NoticeDigest && !strings.Contains(m.Text, "没有填写电子邮箱，提醒邮件无法送达：中山区总工会") {
			t.Errorf("the digest does not name the unit it cannot reach:\n%s", m.Text)
		}
	}
	if kinds[workflow.NoticeOverdue] == 0 || kinds[workflow.NoticeDigest] == 0 {
		t.Fatalf("messages by kind %v, want an overdue notice and a digest", kinds)
	}
}
