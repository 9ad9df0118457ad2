package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// resultJSON is a unit's result as GET …/result gives it.
type resultJSON struct {
	workflow.UnitResult
	Run                 int64                `json:"run"`
	Publication         int                  `json:"publication"`
	ObjectionPeriodEnds *time.Time           `json:"objection_period_ends"`
	ResultState         string               `json:"result_state"`
	ResultStateLabel    string               `json:"result_state_label"`
	ObjectionsOpen      int                  `json:"objections_open"`
	CorrectionsPending  int                  `json:"corrections_pending"`
	CanObject           bool                 `json:"can_object"`
	Lines               []service.ResultLine `json:"lines"`
	Objections          []workflow.Objection `json:"objections"`
}

func (e *env) result(unit, role string) resultJSON {
	e.t.Helper()
	var r resultJSON
	e.mustDecode("GET", "/api/v1/plans/2019/units/"+unit+"/result", role, nil, 200, &r)
	return r
}

// line returns the result's line named ref.
func (r resultJSON) line(t *testing.T, ref string) service.ResultLine {
	t.Helper()
	for _, l := range r.Lines {
		if l.Ref == ref {
			return l
		}
	}
	t.Fatalf("no line %s in %+v", ref, r.Lines)
	return service.ResultLine{}
}

// nodeRef is a node as the nodes list gives it, with its ref.
type nodeRef struct {
	ID        int64   `json:"id"`
	Ref       string  `json:"ref"`
	Category  string  `json:"category"`
	Indicator string  `json:"indicator"`
	Due       string  `json:"due"`
	Points    float64 `json:"points"`
}

// objectionForm is a multipart objection: ref, text and files.
func objectionForm(t testing.TB, ref, text string, files ...upFile) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("ref", ref)
	w.WriteField("text", text)
	for _, f := range files {
		p, err := w.CreateFormFile("files", f.name)
		if err != nil {
			t.Fatal(err)
		}
		p.Write(f.content)
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

// remind runs one reminder pass as the jobs do and returns how many
// messages were new in the outbox.
func (e *env) remind() int {
	e.t.Helper()
	n, err := (&jobs.Reminders{Service: e.svc}).Run(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// outbox returns the outbox's messages of kind, oldest first, rendered as
// they are sent.
func (e *env) outbox(kind workflow.NoticeKind) []workflow.OutboxMessage {
	e.t.Helper()
	var all []workflow.OutboxMessage
	err := e.app.Store.View(context.Background(), func(tx service.Tx) (err error) {
		all, err = tx.OutboxMessages(service.OutboxFilter{Limit: 1000})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	var ms []workflow.OutboxMessage
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Kind == kind {
			if err := jobs.Render(&all[i]); err != nil {
				e.t.Fatal(err)
			}
			ms = append(ms, all[i])
		}
	}
	return ms
}

func cst(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2019, month, day, hour, minute, 0, 0, shanghai)
}

// TestContestAcceptance walks a contested year through the API on a fresh
// server: gjz submits its tables four days late but the office records
// that they arrived by email on the deadline day; one node is reported
// late and the office waives that deduction; one node is awarded a point
// short; the member information system's August figure is 10% below
// gjz's, and the office deducts for 瞒报 citing both figures. The result
// is published with its objection period; gjz objects to the short node
// (with a file) and to the 瞒报 deduction; the office accepts the first
// with a changed review and rejects the second; a run lists the
// difference; publishing it keeps the period's end; the final result
// traces every line to its rule, its fact, and its waiver or objection.
// The unit's contacts and the office are emailed on the way.
func TestContestAcceptance(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, backend)
			e.clock.Set(cst(6, 17, 10, 0))
			e.toState("executing") // first submitted June 17: 4 days late
			var nodes []nodeRef
			e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/nodes", "unitA", nil, 200, &nodes)
			var late, short nodeRef
			for _, n := range nodes {
				if n.Indicator == "B3" && late.ID == 0 {
					late = n
				}
				if n.Indicator == "B13" && short.ID == 0 {
					short = n
				}
			}
			if late.Ref == "" || short.Ref == "" {
				t.Fatalf("nodes %+v", nodes)
			}

			// The tables arrived by email on the deadline day.
			recv := "/api/v1/plans/2019/units/gjz/submission/received"
			status, out := e.do("POST", recv, "office", map[string]any{"at": "2019-06-18T09:00:00+08:00", "reason": "邮件"})
			if status != 422 || decodeError(t, out).Error.Details[0].Path != "at" {
				t.Fatalf("a receipt after the first submission: %d %s", status, out)
			}
			e.mustDo("POST", recv, "unitA", map[string]any{"at": "2019-06-13T16:00:00+08:00", "reason": "邮件"}, 403)
			e.mustDo("POST", recv, "office", map[string]any{"at": "2019-06-13T16:00:00+08:00", "reason": "6月13日16:00通过电子邮件报送，次日录入系统"}, 200)
			var sub struct {
				Late     bool              `json:"late"`
				Received *workflow.Receipt `json:"received"`
			}
			e.mustDecode("GET", subPath, "unitA", nil, 200, &sub)
			if sub.Late || sub.Received == nil || sub.Received.By != "admin" {
				t.Fatalf("the submission after the receipt: %+v", sub)
			}

			// Execution: every node reported, B3's first two days late.
			pdf := pdfOfSize(t, 2048)
			for _, n := range nodes {
				due, _ := time.ParseInLocation(time.DateOnly, n.Due, shanghai)
				at := due.Add(10 * time.Hour)
				if n.ID == late.ID {
					at = due.Add(58 * time.Hour)
				}
				e.clock.Set(at)
				if status, out := e.upload(n.ID, "unitA", "节点完成情况", upFile{"佐证材料.pdf", pdf}); status != 201 {
					t.Fatalf("upload node %d: %d %s", n.ID, status, out)
				}
			}
			// Monthly counts: gjz's own, every month on time; the system's
			// August figure, 10% below.
			for _, m := range []string{"2019-06", "2019-07", "2019-08", "2019-09", "2019-10", "2019-11"} {
				month, _ := time.ParseInLocation("2006-01", m, shanghai)
				e.clock.Set(month.AddDate(0, 1, 2).Add(9 * time.Hour))
				e.mustDo("PUT", "/api/v1/plans/2019/units/gjz/monthly/"+m, "unitA", map[string]any{"count": 10000}, 200)
			}
			var imported service.ImportResult
			status, _, body := e.raw("POST", "/api/v1/plans/2019/monthly/2019-08/import", "office", "text/csv", []byte("unit,count\ngjz,9000\n"))
			if status != 200 {
				t.Fatalf("import: %d %s", status, body)
			}
			decodeInto(t, body, &imported)
			if len(imported.Flagged) != 1 || imported.Flagged[0].Unit != "gjz" || *imported.Flagged[0].Percent != 1111 {
				t.Fatalf("flagged by the import: %+v", imported.Flagged)
			}

			// Reviews: every node in full, but B13's first a point short.
			e.clock.Set(cst(12, 10, 9, 0))
			for _, n := range nodes {
				p := n.Points
				if n.ID == short.ID {
					p -= 1
				}
				e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", n.ID), "office", map[string]any{"verdict": "accept", "points": p}, 200)
			}
			var kanbao workflow.ManualDeduction
			e.mustDecode("POST", "/api/v1/plans/2019/units/gjz/deductions", "office",
				map[string]any{"rule": "瞒报", "points": 1, "reason": "8月会员实名制数量多报", "month": "2019-08"}, 201, &kanbao)
			if kanbao.Month != "2019-08" || *kanbao.UnitCount != 10000 || *kanbao.SystemCount != 9000 {
				t.Fatalf("the 瞒报 deduction does not cite the month's figures: %+v", kanbao)
			}

			// The office waives the late-node deduction.
			waivers := "/api/v1/plans/2019/units/gjz/waivers"
			status, out = e.do("POST", waivers, "office", map[string]any{"ref": "monthly:2019-06", "points": 0, "reason": "系统维护"})
			if status != 422 || decodeError(t, out).Error.Details[0].Path != "ref" {
				t.Fatalf("a waiver of no deduction: %d %s", status, out)
			}
			var w workflow.Waiver
			e.mustDecode("POST", waivers, "office", map[string]any{"ref": late.Ref, "points": 0, "reason": "材料按时送达，系统维护延误录入"}, 201, &w)

			// The year-end run and its publication on Friday Dec 20.
			e.clock.Set(cst(12, 20, 9, 0))
			var run1 runView
			e.mustDecode("POST", runsPath, "office", nil, 201, &run1)
			gjz := run1.Results[0]
			for _, d := range gjz.Deductions {
				if d.Rule == workflow.RuleLateSubmission {
					t.Fatalf("the receipt did not make the submission on time: %+v", d)
				}
			}
			if gjz.Received == nil {
				t.Fatal("the result does not show the receipt")
			}
			e.clock.Set(cst(12, 20, 9, 30))
			var pub runView
			e.mustDecode("POST", runsPath+"/"+itoa(run1.ID)+"/publish", "office", nil, 200, &pub)
			wantEnds := cst(12, 28, 0, 0) // 5 working days: Dec 23–27
			r := e.result("gjz", "unitA")
			if r.ObjectionPeriodEnds == nil || !r.ObjectionPeriodEnds.Equal(wantEnds) || r.ResultState != workflow.ResultPublic ||
				r.ResultStateLabel != "公示中" || !r.CanObject || r.Publication != 1 || r.Run != run1.ID {
				t.Fatalf("the published result: %+v", r)
			}
			if e.result("gjz", "viewer").CanObject || e.result("gjz", "office").CanObject {
				t.Fatal("only the unit can object")
			}
			lateLine := r.line(t, late.Ref)
			if lateLine.Kind != workflow.LineNode {
				t.Fatalf("%+v", lateLine)
			}
			var waived service.ResultLine
			for _, l := range r.Lines {
				if l.Kind == workflow.LineDeduction && l.Ref == late.Ref {
					waived = l
				}
			}
			if waived.Waiver == nil || waived.Waiver.ID != w.ID || *waived.Scored != 0 || *waived.Original != 50 || waived.Rule != workflow.RuleLateNode {
				t.Fatalf("the waived deduction: %+v", waived)
			}

			// Emails: the publication to every unit's contacts, once.
			if n := e.remind(); n != 4 {
				t.Fatalf("%d messages after publication, want 4 (two contacts of two units)", n)
			}
			pubs := e.outbox(workflow.NoticePublication)
			if len(pubs) != 4 || !strings.Contains(pubs[0].Text, "2019年12月27日（星期五）") || !strings.Contains(pubs[0].Subject, "公示") {
				t.Fatalf("publication mails %+v", pubs)
			}
			if n := e.remind(); n != 0 {
				t.Fatalf("a second pass sent %d more", n)
			}
			// The unit's calendar has the period's last day.
			var link calendarJSON
			e.mustDecode("GET", "/api/v1/units/gjz/calendar", "unitA", nil, 200, &link)
			_, cal, _ := getFeed(t, link.URL)
			if events := strings.Join(feedEvents(t, cal), "\n"); !strings.Contains(events, "2019年度考核结果公示期结束（异议截止）|2019-12-27 all-day") {
				t.Errorf("the feed after publication:\n%s", events)
			}

			// gjz objects on Monday Dec 23: to the short node, with a
			// file, and to the 瞒报 deduction.
			e.clock.Set(cst(12, 23, 10, 0))
			objections := "/api/v1/plans/2019/units/gjz/objections"
			form, ct := objectionForm(t, short.Ref, "该节点已全部完成，见附件会议纪要", upFile{"会议纪要.pdf", pdfOfSize(t, 3000)})
			status, _, body = e.raw("POST", objections, "unitA", ct, form)
			if status != 201 {
				t.Fatalf("object with a file: %d %s", status, body)
			}
			var o1 workflow.Objection
			decodeInto(t, body, &o1)
			if len(o1.Files) != 1 || o1.Ref != short.Ref || o1.Run != run1.ID || !strings.Contains(o1.Line, "B13") {
				t.Fatalf("objection %+v", o1)
			}
			var o2 workflow.Objection
			e.mustDecode("POST", objections, "unitA", map[string]any{"ref": workflow.ManualRef(kanbao.ID), "text": "系统数据未及时更新"}, 201, &o2)
			status, out = e.do("POST", objections, "unitA", map[string]any{"ref": "business[99].works[0].nodes[0]", "text": "?"})
			if status != 422 || decodeError(t, out).Error.Details[0].Path != "ref" {
				t.Fatalf("an objection to no line: %d %s", status, out)
			}
			e.mustDo("POST", objections, "unitB", map[string]any{"ref": short.Ref, "text": "代为异议"}, 404)
			e.mustDo("POST", objections, "viewer", map[string]any{"ref": short.Ref, "text": "?"}, 403)
			e.mustDo("POST", objections, "office", map[string]any{"ref": short.Ref, "text": "?"}, 403)
			status, hdr, file := e.raw("GET", fmt.Sprintf("/api/v1/objections/%d/files/%d", o1.ID, o1.Files[0].ID), "unitA", "", nil)
			if status != 200 || len(file) != 3000 || hdr.Get("X-Content-SHA256") != o1.Files[0].SHA256 {
				t.Fatalf("download the objection's file: %d %d", status, len(file))
			}
			e.mustDo("GET", fmt.Sprintf("/api/v1/objections/%d/files/%d", o1.ID, o1.Files[0].ID), "unitB", nil, 404)

			// The office's digest of open objections goes out on this
			// working day, once.
			if n := e.remind(); n != 1 {
				t.Fatalf("%d messages with two open objections, want the office digest", n)
			}
			digest := e.outbox(workflow.NoticeObjections)
			if len(digest) != 1 || digest[0].Recipient != "office@dl.example.cn" || !strings.Contains(digest[0].Text, "第"+itoa(o1.ID)+"号") ||
				!strings.Contains(digest[0].Text, "第"+itoa(o2.ID)+"号") {
				t.Fatalf("objection digest %+v", digest)
			}

			// The office answers on Dec 24: the node is corrected, the
			// 瞒报 deduction stands.
			e.clock.Set(cst(12, 24, 10, 0))
			answer := func(id int64) string { return fmt.Sprintf("/api/v1/objections/%d/answer", id) }
			e.mustDo("POST", answer(o1.ID), "unitA", map[string]any{"verdict": "reject", "reason": "自答"}, 403)
			status, out = e.do("POST", answer(o1.ID), "office", map[string]any{"verdict": "accept", "reason": "材料齐全"})
			if status != 422 || decodeError(t, out).Error.Details[0].Path != "correction" {
				t.Fatalf("an acceptance without its correction: %d %s", status, out)
			}
			var a1 workflow.Objection
			e.mustDecode("POST", answer(o1.ID), "office", map[string]any{"verdict": "accept", "reason": "会议纪要证明节点已完成",
				"correction": map[string]any{"review": map[string]any{"points": short.Points}}}, 200, &a1)
			if a1.Correction == nil || a1.Correction.Review == nil || a1.Correction.Review.Points != pts(short.Points) {
				t.Fatalf("answer %+v", a1)
			}
			e.mustDo("POST", answer(o1.ID), "office", map[string]any{"verdict": "reject", "reason": "again"}, 409)
			e.mustDo("POST", answer(o2.ID), "office", map[string]any{"verdict": "reject", "reason": "8月系统数据已核实无误"}, 200)
			if n := e.remind(); n != 4 {
				t.Fatalf("%d messages after two answers, want 4 (two contacts each)", n)
			}
			answers := e.outbox(workflow.NoticeAnswer)
			if !strings.Contains(answers[0].Text+answers[2].Text, "异议成立") || !strings.Contains(answers[0].Text+answers[2].Text, "异议不成立") {
				t.Fatalf("answer mails %q", answers[0].Text)
			}
			r = e.result("gjz", "unitA")
			if r.ResultState != workflow.ResultPublic || r.ObjectionsOpen != 0 || r.CorrectionsPending != 1 {
				t.Fatalf("after the answers: %+v", r)
			}

			// The correction run and its difference from the published one.
			e.clock.Set(cst(12, 24, 11, 0))
			var run2 runView
			e.mustDecode("POST", runsPath, "office", nil, 201, &run2)
			var diff service.RunDiff
			e.mustDecode("GET", runsPath+"/"+itoa(run2.ID)+"/diff", "viewer", nil, 200, &diff)
			if diff.From != run1.ID || diff.To != run2.ID || len(diff.Units) != 1 || diff.Units[0].Unit != "gjz" {
				t.Fatalf("diff %+v", diff)
			}
			changed := map[string]string{}
			for _, l := range diff.Units[0].Lines {
				changed[l.Ref] = l.Before.String() + "→" + l.After.String()
			}
			wantTotal := fmt.Sprint(gjz.Total) + "→" + fmt.Sprint(gjz.Total+workflow.Point)
			if len(changed) != 3 || changed["indicator:B13"] == "" || changed["business"] == "" || changed["total"] != wantTotal {
				t.Fatalf("changed lines %v, total want %s", changed, wantTotal)
			}
			var pub2 runView
			e.mustDecode("POST", runsPath+"/"+itoa(run2.ID)+"/publish", "office", nil, 200, &pub2)

			// The final result: every line traced.
			r = e.result("gjz", "unitA")
			if r.Run != run2.ID || r.Publication != 2 || !r.ObjectionPeriodEnds.Equal(wantEnds) || r.Total != gjz.Total+workflow.Point ||
				r.CorrectionsPending != 0 || len(r.Objections) != 2 {
				t.Fatalf("the corrected result: %+v", r)
			}
			for _, l := range r.Lines {
				if l.Ref == "" || l.Label == "" || l.Objections == nil {
					t.Errorf("a line without its ref, label or objections: %+v", l)
				}
				if l.Kind == workflow.LineDeduction && (l.Rule == "" || l.Note == "" || !strings.Contains(l.Note, "扣")) {
					t.Errorf("a deduction without its rule and fact: %+v", l)
				}
			}
			node := r.line(t, short.Ref)
			if *node.Scored != pts(short.Points) || node.Review == nil || !strings.Contains(node.Review.Comment, "异议") ||
				len(node.Objections) != 1 || node.Objections[0].Verdict != "accept" {
				t.Fatalf("the corrected node: %+v", node)
			}
			d := r.line(t, workflow.ManualRef(kanbao.ID))
			if !strings.Contains(d.Note, "10000") || !strings.Contains(d.Note, "9000") || len(d.Objections) != 1 || d.Objections[0].Verdict != "reject" {
				t.Fatalf("the 瞒报 deduction: %+v", d)
			}
			if r.Received == nil || !strings.Contains(r.Received.Reason, "电子邮件") {
				t.Fatalf("the receipt is not in the breakdown: %+v", r.Received)
			}

			// After the period: objections refused, the result final.
			e.clock.Set(wantEnds)
			status, out = e.do("POST", objections, "unitA", map[string]any{"ref": short.Ref, "text": "再议"})
			if status != 409 || decodeError(t, out).Error.Code != "wrong_state" {
				t.Fatalf("an objection after the period: %d %s", status, out)
			}
			if r := e.result("gjz", "unitA"); r.ResultState != workflow.ResultFinal || r.ResultStateLabel != "已确定" || r.CanObject {
				t.Fatalf("after the period: %+v", r)
			}
			var audit []workflow.AuditEntry
			e.mustDecode("GET", "/api/v1/audit?unit=gjz&limit=1000", "office", nil, 200, &audit)
			for _, action := range []string{"waiver.add", "submission.received", "objection.file", "objection.answer", "node.review"} {
				if !hasAudit(audit, action) {
					t.Errorf("no audit entry %s", action)
				}
			}
		})
	}
}

func decodeInto(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// contestEnv prepares scoringEnv for the routes of a contested result:
// "executing" is the year before publication, with gjz's first P1 and B3
// nodes never reported (two missing-node deductions), a waiver of the B3
// one and a receipt of gjz's tables; "published" publishes the year on Friday Dec 20 and on
// Monday Dec 23 gjz objects to P1 with a file, and a second run is
// computed.
func contestEnv(t *testing.T, stage string) *env {
	t.Helper()
	e, facts := scoringEnv(t, "sqlite")
	facts.set("business[2].works[0].nodes[0]", workflow.NodePending)
	facts.set("party[0].works[0].nodes[0]", workflow.NodePending)
	e.mustDo("POST", "/api/v1/plans/2019/units/gjz/waivers", "office",
		map[string]any{"ref": "business[2].works[0].nodes[0]", "points": 0.5, "reason": "系统故障"}, 201)
	e.mustDo("POST", subPath+"/received", "office", map[string]any{"at": "2019-06-13T09:00:00+08:00", "reason": "纸质报送"}, 200)
	if stage == "executing" {
		return e
	}
	var run runView
	e.mustDecode("POST", runsPath, "office", nil, 201, &run)
	e.mustDo("POST", runsPath+"/"+itoa(run.ID)+"/publish", "office", nil, 200)
	e.clock.Set(cst(12, 23, 10, 0))
	form, ct := objectionForm(t, "indicator:P1", "P1得分有误", upFile{"说明.pdf", pdfOfSize(t, 1024)})
	if status, _, out := e.raw("POST", "/api/v1/plans/2019/units/gjz/objections", "unitA", ct, form); status != 201 {
		t.Fatalf("objection: %d %s", status, out)
	}
	e.mustDo("POST", runsPath, "office", nil, 201)
	return e
}

// TestContestEndpointsForEveryRole runs each route of waivers, receipts,
// objections, answers, diffs and the monthly comparison as each role on a
// fresh server: anonymous 401, a role that may not act 403, another unit's
// data 404, the rest succeed. The roles that fail go first, so that one
// server serves every role of a route.
func TestContestEndpointsForEveryRole(t *testing.T) {
	t.Parallel()
	roles := []string{"", "office", "unitA", "unitB", "viewer"}
	tests := []struct {
		method, path, stage string
		body                any
		want                [5]int // anonymous, office, unitA (gjz), unitB (zs), viewer
	}{
		{"GET", "/api/v1/plans/2019/units/gjz/waivers", "executing", nil, [5]int{401, 200, 200, 404, 200}},
		{"POST", "/api/v1/plans/2019/units/gjz/waivers", "executing",
			map[string]any{"ref": "party[0].works[0].nodes[0]", "points": 0, "reason": "系统故障"}, [5]int{401, 201, 403, 404, 403}},
		{"DELETE", "/api/v1/plans/2019/units/gjz/waivers/1", "executing", nil, [5]int{401, 204, 403, 404, 403}},
		{"POST", subPath + "/received", "executing",
			map[string]any{"at": "2019-06-13T08:00:00+08:00", "reason": "邮件"}, [5]int{401, 200, 403, 404, 403}},
		{"DELETE", subPath + "/received", "executing", nil, [5]int{401, 204, 403, 404, 403}},
		{"GET", "/api/v1/plans/2019/monthly", "executing", nil, [5]int{401, 200, 403, 403, 200}},
		{"GET", "/api/v1/plans/2019/units/gjz/result", "published", nil, [5]int{401, 200, 200, 404, 200}},
		{"GET", "/api/v1/plans/2019/units/gjz/objections", "published", nil, [5]int{401, 200, 200, 404, 200}},
		{"POST", "/api/v1/plans/2019/units/gjz/objections", "published",
			map[string]any{"ref": "indicator:P2", "text": "P2得分有误"}, [5]int{401, 403, 201, 404, 403}},
		{"GET", "/api/v1/plans/2019/objections", "published", nil, [5]int{401, 200, 403, 403, 200}},
		{"GET", "/api/v1/objections/1", "published", nil, [5]int{401, 200, 200, 404, 200}},
		{"POST", "/api/v1/objections/1/answer", "published",
			map[string]any{"verdict": "reject", "reason": "得分无误"}, [5]int{401, 200, 403, 404, 403}},
		{"GET", "/api/v1/objections/1/files/1", "published", nil, [5]int{401, 200, 200, 404, 404}},
		{"GET", "/api/v1/plans/2019/scoring-runs/2/diff", "published", nil, [5]int{401, 200, 403, 403, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			e := contestEnv(t, tt.stage)
			order := []int{}
			for i := range roles {
				if tt.want[i] >= 300 {
					order = append(order, i)
				}
			}
			for i := range roles {
				if tt.want[i] < 300 {
					order = append(order, i)
				}
			}
			for _, i := range order {
				status, out := e.do(tt.method, tt.path, roles[i], tt.body)
				if status != tt.want[i] {
					t.Errorf("as %q: status %d, want %d: %s", roles[i], status, tt.want[i], out)
				}
				if status >= 400 {
					decodeError(t, out)
				}
			}
		})
	}
}

// TestWaiverAndReceiptRules: waivers and receipts are checked against the
// unit's deductions and tables, a changed waiver makes an earlier run
// stale, and after publication neither changes any more (corrections then
// come from objections).
func TestWaiverAndReceiptRules(t *testing.T) {
	t.Parallel()
	e, facts := scoringEnv(t, "sqlite")
	facts.set("business[2].works[0].nodes[0]", workflow.NodePending) // missing: 1 point
	waivers := "/api/v1/plans/2019/units/gjz/waivers"
	ref := "business[2].works[0].nodes[0]"
	for _, bad := range []struct {
		body map[string]any
		path string
	}{
		{map[string]any{"ref": ref, "points": 1, "reason": "x"}, "points"},
		{map[string]any{"ref": ref, "points": -0.5, "reason": "x"}, "points"},
		{map[string]any{"ref": ref, "reason": "x"}, "points"},
		{map[string]any{"ref": ref, "points": 0, "reason": " "}, "reason"},
		{map[string]any{"ref": "deduction:99", "points": 0, "reason": "x"}, "ref"},
	} {
		status, out := e.do("POST", waivers, "office", bad.body)
		if status != 422 || decodeError(t, out).Error.Details[0].Path != bad.path {
			t.Errorf("waiver %v: %d %s, want 422 at %s", bad.body, status, out, bad.path)
		}
	}
	var w workflow.Waiver
	e.mustDecode("POST", waivers, "office", map[string]any{"ref": ref, "points": 0.5, "reason": "系统故障"}, 201, &w)
	status, out := e.do("POST", waivers, "office", map[string]any{"ref": ref, "points": 0, "reason": "再减"})
	if status != 409 || decodeError(t, out).Error.Code != "conflict" {
		t.Fatalf("a second waiver of one deduction: %d %s", status, out)
	}
	var run runView
	e.mustDecode("POST", runsPath, "office", nil, 201, &run)
	if d := run.Results[0].Deductions[0]; d.Points != 50 || d.Original == nil || *d.Original != 100 || d.Waiver.Reason != "系统故障" {
		t.Fatalf("the reduced deduction %+v", d)
	}

	// Withdrawing the waiver changes the inputs: the run is stale.
	e.mustDo("DELETE", waivers+"/"+itoa(w.ID), "office", nil, 204)
	e.mustDo("DELETE", waivers+"/"+itoa(w.ID), "office", nil, 404)
	status, out = e.do("POST", runsPath+"/"+itoa(run.ID)+"/publish", "office", nil)
	if status != 409 || decodeError(t, out).Error.Code != "stale_version" {
		t.Fatalf("publish after the waiver changed: %d %s", status, out)
	}
	var list []workflow.Waiver
	e.mustDecode("GET", waivers, "unitA", nil, 200, &list)
	if len(list) != 1 || list[0].WithdrawnAt == nil || list[0].WithdrawnBy != "admin" {
		t.Fatalf("waivers %+v", list)
	}
	e.mustDo("POST", waivers, "office", map[string]any{"ref": ref, "points": 0, "reason": "系统故障，全部免除"}, 201)

	// Receipts.
	recv := subPath + "/received"
	for _, bad := range []map[string]any{
		{"at": "2019-12-21T09:00:00+08:00", "reason": "未来"},
		{"reason": "没有时间"},
		{"at": "2019-06-13T11:00:00+08:00", "reason": "晚于首次报送"},
		{"at": "2019-06-12T09:00:00+08:00", "reason": ""},
	} {
		if status, out := e.do("POST", recv, "office", bad); status != 422 {
			t.Errorf("receipt %v: %d %s", bad, status, out)
		}
	}
	e.mustDo("DELETE", recv, "office", nil, 404)
	e.mustDo("POST", "/api/v1/plans/2019/units/zs/submission/received", "office", map[string]any{"at": "2019-06-12T09:00:00+08:00", "reason": "纸质"}, 404)
	e.mustDo("POST", recv, "office", map[string]any{"at": "2019-06-12T09:00:00+08:00", "reason": "纸质报送"}, 200)
	var summary []struct {
		Unit string `json:"unit"`
		Late bool   `json:"late"`
	}
	e.mustDecode("GET", "/api/v1/plans/2019/submissions", "office", nil, 200, &summary)
	if summary[0].Unit != "gjz" || summary[0].Late {
		t.Fatalf("submissions %+v", summary)
	}

	// After publication nothing of this changes.
	e.mustDecode("POST", runsPath, "office", nil, 201, &run)
	e.mustDo("POST", runsPath+"/"+itoa(run.ID)+"/publish", "office", nil, 200)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", waivers, map[string]any{"ref": ref, "points": 0, "reason": "x"}},
		{"DELETE", waivers + "/2", nil},
		{"POST", recv, map[string]any{"at": "2019-06-11T09:00:00+08:00", "reason": "x"}},
		{"DELETE", recv, nil},
	} {
		status, out := e.do(c.method, c.path, "office", c.body)
		if status != 409 || decodeError(t, out).Error.Code != "wrong_state" {
			t.Errorf("%s %s after publication: %d %s", c.method, c.path, status, out)
		}
	}
}

// TestCorrectionPublication: a published result is replaced only by a
// run computed after it, once an objection has been accepted since; each
// publication keeps the period's end and is numbered; the earlier ones
// stay published.
func TestCorrectionPublication(t *testing.T) {
	t.Parallel()
	e, facts := scoringEnv(t, "sqlite")
	facts.set("business[2].works[0].nodes[0]", workflow.NodePending)
	var run1, run2, run3 runView
	e.mustDecode("POST", runsPath, "office", nil, 201, &run1)
	e.mustDo("POST", runsPath+"/"+itoa(run1.ID)+"/publish", "office", nil, 200)
	e.mustDecode("POST", runsPath, "office", nil, 201, &run2)
	status, out := e.do("POST", runsPath+"/"+itoa(run2.ID)+"/publish", "office", nil)
	if status != 409 || decodeError(t, out).Error.Code != "wrong_state" {
		t.Fatalf("a second publication with nothing to correct: %d %s", status, out)
	}
	e.mustDo("GET", runsPath+"/"+itoa(run1.ID)+"/diff", "office", nil, 404) // nothing published before the first

	// A rejected objection corrects nothing; an accepted one does.
	e.clock.Set(cst(12, 23, 9, 0))
	objections := "/api/v1/plans/2019/units/gjz/objections"
	var o1, o2 workflow.Objection
	e.mustDecode("POST", objections, "unitA", map[string]any{"ref": "indicator:B3", "text": "B3得分偏低"}, 201, &o1)
	e.mustDecode("POST", objections, "unitA", map[string]any{"ref": "business[2].works[0].nodes[0]", "text": "已报送"}, 201, &o2)
	e.mustDo("POST", "/api/v1/objections/"+itoa(o1.ID)+"/answer", "office", map[string]any{"verdict": "reject", "reason": "无误"}, 200)
	e.mustDecode("POST", runsPath, "office", nil, 201, &run3)
	status, out = e.do("POST", runsPath+"/"+itoa(run3.ID)+"/publish", "office", nil)
	if status != 409 || decodeError(t, out).Error.Code != "wrong_state" {
		t.Fatalf("publication after a rejection only: %d %s", status, out)
	}
	// A review correction of a node never reported is refused; a waiver
	// of its deduction is the correction.
	status, out = e.do("POST", "/api/v1/objections/"+itoa(o2.ID)+"/answer", "office",
		map[string]any{"verdict": "accept", "reason": "邮件报送", "correction": map[string]any{"review": map[string]any{"points": 1}}})
	if status != 422 || decodeError(t, out).Error.Details[0].Path != "correction.review.ref" {
		t.Fatalf("a review of a node without a report: %d %s", status, out)
	}
	e.mustDo("POST", "/api/v1/objections/"+itoa(o2.ID)+"/answer", "office",
		map[string]any{"verdict": "accept", "reason": "邮件报送", "correction": map[string]any{"waiver": map[string]any{"points": 0}}}, 200)
	status, out = e.do("POST", runsPath+"/"+itoa(run3.ID)+"/publish", "office", nil)
	if status != 409 || decodeError(t, out).Error.Code != "stale_version" {
		t.Fatalf("a run from before the correction: %d %s", status, out)
	}
	var run4 runView
	e.mustDecode("POST", runsPath, "office", nil, 201, &run4)
	e.mustDo("POST", runsPath+"/"+itoa(run4.ID)+"/publish", "office", nil, 200)
	status, out = e.do("POST", runsPath+"/"+itoa(run3.ID)+"/publish", "office", nil)
	if status != 409 || decodeError(t, out).Error.Code != "conflict" {
		t.Fatalf("a run older than the published one: %d %s", status, out)
	}

	var runs []workflow.ScoringRun
	e.mustDecode("GET", runsPath, "viewer", nil, 200, &runs)
	pubs := map[int64]int{}
	for _, r := range runs {
		if r.Published {
			pubs[r.ID] = r.Publication
			if r.ObjectionPeriodEnds == nil || !r.ObjectionPeriodEnds.Equal(cst(12, 28, 0, 0)) {
				t.Errorf("run %d: period ends %v", r.ID, r.ObjectionPeriodEnds)
			}
		}
	}
	if len(pubs) != 2 || pubs[run1.ID] != 1 || pubs[run4.ID] != 2 {
		t.Fatalf("publications %v", pubs)
	}
	var diff service.RunDiff
	e.mustDecode("GET", runsPath+"/"+itoa(run4.ID)+"/diff", "office", nil, 200, &diff)
	if diff.From != run1.ID || len(diff.Units) != 1 {
		t.Fatalf("diff of the correction %+v", diff)
	}
	var old runView
	e.mustDecode("GET", runsPath+"/"+itoa(run1.ID), "office", nil, 200, &old)
	if !old.Published || resultsJSON(t, old) != resultsJSON(t, run1) {
		t.Fatal("the first publication changed")
	}
	if r := e.result("gjz", "unitA"); r.Run != run4.ID || r.Publication != 2 {
		t.Fatalf("the result is not the latest publication: %+v", r)
	}
}

// TestObjectionPeriodOnTheCalendar: published on Friday September 27 2019
// with 5 days, the objection period ends at the end of Thursday October 10
// (Sunday September 29 is a working day, October 1–7 are off).
func TestObjectionPeriodOnTheCalendar(t *testing.T) {
	t.Parallel()
	e, _ := scoringEnv(t, "sqlite")
	e.clock.Set(cst(9, 27, 15, 0))
	var run runView
	e.mustDecode("POST", runsPath, "office", nil, 201, &run)
	var pub workflow.ScoringRun
	e.mustDecode("POST", runsPath+"/"+itoa(run.ID)+"/publish", "office", nil, 200, &pub)
	ends := cst(10, 11, 0, 0)
	if pub.ObjectionPeriodEnds == nil || !pub.ObjectionPeriodEnds.Equal(ends) {
		t.Fatalf("period ends %v, want %v", pub.ObjectionPeriodEnds, ends)
	}
	status, body := e.do("GET", "/api/v1/plans/2019/units/gjz/result", "unitA", nil)
	if status != 200 || !strings.Contains(string(body), `"objection_period_ends":"2019-10-10T16:00:00Z"`) {
		t.Fatalf("the result's period end as RFC 3339: %d %s", status, body)
	}
	objections := "/api/v1/plans/2019/units/gjz/objections"
	e.clock.Set(ends.Add(-time.Minute))
	e.mustDo("POST", objections, "unitA", map[string]any{"ref": "indicator:P1", "text": "最后一分钟"}, 201)
	e.clock.Set(ends)
	status, out := e.do("POST", objections, "unitA", map[string]any{"ref": "indicator:P1", "text": "晚了"})
	if status != 409 || !strings.Contains(decodeError(t, out).Error.Message, "2019年10月11日 00:00") {
		t.Fatalf("an objection at the period's end: %d %s", status, out)
	}
	// The office may still answer, and the publication notice is no
	// longer sent.
	e.mustDo("POST", "/api/v1/objections/1/answer", "office", map[string]any{"verdict": "reject", "reason": "无误"}, 200)
	e.remind()
	if ms := e.outbox(workflow.NoticePublication); len(ms) != 0 {
		t.Fatalf("publication notices after the period: %d", len(ms))
	}
	if ms := e.outbox(workflow.NoticeAnswer); len(ms) != 2 {
		t.Fatalf("answer notices: %d, want 2", len(ms))
	}
}

// TestDiscrepancyFlags: the member information system's figures are kept
// beside the units' own, compared against the plan's 5%, flagged from the
// import on, and a 瞒报 deduction can cite only a flagged month.
func TestDiscrepancyFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.clock.Set(cst(8, 3, 9, 0))
	e.mustDo("PUT", "/api/v1/plans/2019/units/gjz/monthly/2019-07", "unitA", map[string]any{"count": 12000}, 200)
	e.mustDo("PUT", "/api/v1/plans/2019/units/zs/monthly/2019-07", "unitB", map[string]any{"count": 8000}, 200)
	status, _, body := e.raw("POST", "/api/v1/plans/2019/monthly/2019-07/import", "office", "text/csv",
		[]byte("unit,count\ngjz,11000\n中山区总工会,7700\n"))
	if status != 200 {
		t.Fatalf("import: %d %s", status, body)
	}
	var imp service.ImportResult
	decodeInto(t, body, &imp)
	if len(imp.Flagged) != 1 || imp.Flagged[0].Unit != "gjz" || *imp.Flagged[0].UnitCount != 12000 || *imp.Flagged[0].SystemCount != 11000 ||
		imp.Flagged[0].Difference != 1000 || *imp.Flagged[0].Percent != 909 {
		t.Fatalf("flagged %+v", imp.Flagged)
	}

	var ov struct {
		Units []service.MonthlyLine `json:"units"`
	}
	e.mustDecode("GET", "/api/v1/plans/2019/monthly/2019-07", "viewer", nil, 200, &ov)
	gjz, zs := ov.Units[0], ov.Units[1]
	if *gjz.Count != 12000 || gjz.Source != "api" || gjz.UnitReport.Count != 12000 || gjz.System.Count != 11000 || !gjz.Flagged ||
		gjz.Comparison == nil || gjz.Comparison.Difference != 1000 {
		t.Fatalf("gjz %+v", gjz)
	}
	if zs.Flagged || zs.Comparison == nil || zs.Comparison.Difference != 300 {
		t.Fatalf("zs %+v", zs)
	}
	// A unit's later figure replaces its own, never the system's.
	e.mustDo("PUT", "/api/v1/plans/2019/units/gjz/monthly/2019-07", "unitA", map[string]any{"count": 12500}, 200)
	e.mustDecode("GET", "/api/v1/plans/2019/monthly/2019-07", "office", nil, 200, &ov)
	if g := ov.Units[0]; g.UnitReport.Count != 12500 || g.UnitReport.Corrections != 1 || g.System.Count != 11000 || g.System.Corrections != 0 {
		t.Fatalf("after the unit's correction %+v %+v", g.UnitReport, g.System)
	}

	var cmp service.MonthlyComparison
	e.mustDecode("GET", "/api/v1/plans/2019/monthly?flagged=true", "office", nil, 200, &cmp)
	if cmp.ThresholdPercent != 5*workflow.Point || cmp.Flagged != 1 || len(cmp.Lines) != 1 || cmp.Lines[0].Unit != "gjz" || cmp.Lines[0].Month.String() != "2019-07" {
		t.Fatalf("comparison %+v", cmp)
	}
	e.mustDo("GET", "/api/v1/plans/2019/monthly?flagged=maybe", "office", nil, 400)
	e.mustDo("GET", "/api/v1/plans/2019/monthly", "unitA", nil, 403)

	deductions := "/api/v1/plans/2019/units/%s/deductions"
	status, out := e.do("POST", fmt.Sprintf(deductions, "zs"), "office", map[string]any{"rule": "瞒报", "points": 1, "reason": "多报", "month": "2019-07"})
	if status != 422 || decodeError(t, out).Error.Details[0].Path != "month" {
		t.Fatalf("a deduction citing an unflagged month: %d %s", status, out)
	}
	var d workflow.ManualDeduction
	e.mustDecode("POST", fmt.Sprintf(deductions, "gjz"), "office", map[string]any{"rule": "瞒报", "points": 1, "reason": "多报", "month": "2019-07"}, 201, &d)
	if *d.UnitCount != 12500 || *d.SystemCount != 11000 || !strings.Contains(d.Citation(), "多报1500人") {
		t.Fatalf("deduction %+v: %s", d, d.Citation())
	}
	e.mustDecode("GET", "/api/v1/plans/2019/monthly", "office", nil, 200, &cmp)
	for _, l := range cmp.Lines {
		if cited := len(l.Deductions) == 1 && l.Deductions[0] == d.ID; cited != (l.Unit == "gjz" && l.Month.String() == "2019-07") {
			t.Errorf("line %+v", l)
		}
	}
	// A new import within the threshold clears the flag.
	e.raw("POST", "/api/v1/plans/2019/monthly/2019-07/import", "office", "text/csv", []byte("unit,count\ngjz,12000\n"))
	e.mustDecode("GET", "/api/v1/plans/2019/monthly?flagged=true", "office", nil, 200, &cmp)
	if cmp.Flagged != 0 {
		t.Fatalf("still flagged: %+v", cmp)
	}
}
