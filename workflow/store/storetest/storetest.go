// Package storetest is the conformance suite of service.Store: every
// implementation, on every database, must pass Run. Each subtest's name says
// what it proves.
package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the test plan's zone, whatever the machine has
	"unicode"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Run runs the suite. open must return a new, empty, migrated store for
// each call and close it when t ends.
func Run(t *testing.T, open func(t *testing.T) service.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s service.Store)
	}{
		{"Tx/an error from fn rolls back every write and is returned unchanged", testRollback},
		{"Tx/a panic in fn rolls back every write and propagates", testPanicRollback},
		{"Tx/View reads what Update committed and refuses every write", testViewReadOnly},

		{"Plan/a missing year is ENOTFOUND", testPlanNotFound},
		{"Plan/SavePlan stores the plan as JSON and Plan restores it", testPlanRoundTrip},
		{"Plan/SavePlan replaces the plan of the same year and Plans lists oldest first", testPlanUpsert},
		{"Plan/versions round-trip as written, publish once, and the published one is in force", testPlanVersions},

		{"Unit/a missing code is ENOTFOUND", testUnitNotFound},
		{"Unit/a taken code is ECONFLICT and the first unit is kept", testUnitConflict},
		{"Unit/Units lists every unit in the order it was created", testUnitsOrder},
		{"Unit/codes compare exactly, case included", testUnitCodeExact},
		{"Unit/contacts keep their order and SetContacts replaces them all", testContacts},

		{"User/missing accounts are ENOTFOUND by name and by ID", testUserNotFound},
		{"User/CreateUser assigns an ID and every field round-trips", testUserRoundTrip},
		{"User/a taken username is ECONFLICT", testUserConflict},
		{"User/SetPassword replaces the hash and an unknown ID is ENOTFOUND", testSetPassword},
		{"User/Users lists accounts in creation order", testUsersOrder},

		{"Session/live until its expiry, ENOTFOUND at and after it", testSessionExpiry},
		{"Session/a taken token hash is ECONFLICT", testSessionConflict},
		{"Session/DeleteSession removes it and a missing one is ENOTFOUND", testSessionDelete},
		{"Session/DeleteSessionsOf ends an account's sessions but the one kept", testDeleteSessionsOf},
		{"Session/LoginFailures counts by name, address and both at or after since; Clear forgets a name from an address; Purge forgets by time", testLoginFailures},

		{"Submission/a missing year and unit is ENOTFOUND", testSubmissionNotFound},
		{"Submission/document, comments, decisions and times round-trip, also as SubmissionJSON", testSubmissionRoundTrip},
		{"Submission/a taken year and unit is ECONFLICT", testSubmissionConflict},
		{"Submission/Submissions lists one year's submissions by unit", testSubmissionsList},
		{"Submission/UpdateSubmission at the stored version writes every field", testUpdateSubmission},
		{"Submission/UpdateSubmission at a stale version is ESTALE and writes nothing", testUpdateStale},
		{"Submission/History keeps its order, documents and comments per year and unit", testHistory},

		{"Node/records round-trip and list by unit, category, item, work and node", testNodesRoundTrip},
		{"Node/a taken position is ECONFLICT", testNodesConflict},
		{"Node/UpdateNode at the stored version writes, at a stale one is ESTALE", testUpdateNode},
		{"Node/evidence lists current files and withdrawal keeps the row", testEvidence},
		{"Node/reviews are kept in the order made", testReviews},
		{"Monthly/the latest value is current and every value stays in the history", testMonthly},

		{"Audit/newest first, filtered by unit, action and since", testAuditFilter},
		{"Audit/a filter without limit returns 200 entries", testAuditDefaultLimit},

		{"Encoding/times are stored in UTC to the microsecond", testTimesUTC},
		{"Encoding/Chinese text round-trips byte for byte", testChinese},

		{"Scoring/manual deductions list by year and unit and delete only their own", testDeductions},
		{"Scoring/a run and its results round-trip; runs list newest first without results", testScoringRunRoundTrip},
		{"Scoring/a run publishes once, numbered; the latest publication is the year's result", testScoringRunPublish},
		{"Scoring/SubmissionsOf reads a batch of units", testSubmissionsOf},
		{"Scoring/SubmissionFacts reads state, first submission and certified innovation items of a batch", testSubmissionFacts},
		{"Scoring/ScoringNodes sums accepted on-time nodes per indicator and lists every other node", testScoringNodes},
		{"Scoring/ScoringNodes' sums follow every update of a node", testScoringNodesFollowUpdates},
		{"Scoring/reviews of one unit's nodes at once all count in its facts", testConcurrentNodeUpdates},

		{"Contest/a waiver is in force once per ref, withdrawn ones are kept and listed", testWaivers},
		{"Contest/8 racers adding a waiver of one ref: one wins, the rest are ECONFLICT", testWaiverRace},
		{"Contest/a receipt is replaced by the next and deleted once", testReceipts},
		{"Contest/objections keep their files, are answered once, and filter by unit, open, answered and since", testObjections},

		{"Concurrency/20 read-modify-write transactions lose no update and fail only with ESTALE", testConcurrentUpdates},

		{"Outbox/a key enqueued twice is one row, whatever its state; OutboxKeys lists a deadline's keys", testOutboxUniqueKey},
		{"Outbox/a claim takes due pending messages once and records sent, retry and failed with the attempt's time; counts by state and unit", testOutboxClaim},
		{"Outbox/released claims are free again without an attempt; a lost claim is ESTALE", testOutboxReleaseAndStale},
		{"Outbox/a group records each send with its own time and reports lost claims; skipped ids are not claimed", testOutboxGroupRecord},
		{"Outbox/bulk enqueues of facts and of stored messages, interleaved, store each once as given", testOutboxEnqueueBatches},
		{"Outbox/only failed and expired messages are requeued; sent is never", testOutboxRequeue},
		{"Outbox/8 racing claimers never share a message", testOutboxConcurrentClaims},
		{"Outbox/the channel round-trips and filters; a deferred send counts no attempt", testOutboxChannels},
		{"Robot/robots list by owner, a webhook twice for one owner is ECONFLICT, only the owner deletes", testRobots},
		{"Calendar/a feed is found by its exact token; saving again replaces it; a token in use is ECONFLICT", testCalendarFeeds},
		{"Lease/one of 8 racers wins; the holder renews; another takes it after expiry", testLease},
		{"Jobs/a job mark is recorded once and monthly summaries round-trip", testJobMarks},
		{"Jobs/SubmissionStates, AllContacts, ContactAddresses and UnitNames read one year's states, every unit's contacts (whole, or names and addresses) and every unit's name, in order", testJobReads},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// ---- helpers ----

// cst is a zone other than UTC, to catch times stored in local time.
var cst = time.FixedZone("CST", 8*3600)

// at is an instant in June 2019 with microseconds, in cst.
func at(day, hour, min, sec, micro int) time.Time {
	return time.Date(2019, 6, day, hour, min, sec, micro*1000, cst)
}

// do runs fn in one transaction and fails the test on error.
func do(t *testing.T, s service.Store, fn func(tx service.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("transaction: %v", err)
	}
}

// wantCode fails unless err is a *workflow.Error with code and a Chinese
// message.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var we *workflow.Error
	if !errors.As(err, &we) {
		t.Fatalf("error %v (%T), want a *workflow.Error with code %q", err, err, code)
	}
	if we.Code != code {
		t.Fatalf("error %v: code %q, want %q", err, we.Code, code)
	}
	if !strings.ContainsFunc(we.Message, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		t.Errorf("error message %q is not in Chinese", we.Message)
	}
}

// wantEqual fails when got and want differ.
func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// wantUTC fails unless got is in UTC and the same instant as want.
func wantUTC(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if got.Location() != time.UTC {
		t.Errorf("%s: location %v, want UTC", what, got.Location())
	}
	if !got.Equal(want) {
		t.Errorf("%s: %s, want %s", what, got.Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
	}
}

func createUnit(t *testing.T, tx service.Tx, code, name string) {
	t.Helper()
	if err := tx.CreateUnit(&workflow.Unit{Code: code, Name: name, CreatedAt: at(1, 9, 0, 0, 0)}); err != nil {
		t.Fatalf("create unit %s: %v", code, err)
	}
}

func createUser(t *testing.T, tx service.Tx, name string) *workflow.User {
	t.Helper()
	u := &workflow.User{Username: name, PasswordHash: "$2a$04$hash-of-" + name, Role: workflow.RoleOffice, CreatedAt: at(1, 9, 0, 0, 0)}
	if err := tx.CreateUser(u); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

// sampleDoc is a document with every kind of nesting: indicators with
// works, works with covers and nodes, innovation items, and fractional
// points.
func sampleDoc() workflow.Document {
	return workflow.Document{
		Party: []workflow.Indicator{
			{Code: "P1", Points: 2050, Works: []workflow.Work{
				{Title: "深入学习贯彻党的十九大精神", Points: 1250, Nodes: []workflow.Node{
					{Due: "2019-06-30", Target: "召开专题学习会2次", Points: 250, Standard: "会议记录完整", Evidence: "会议纪要"},
					{Due: "2019-09-30", Target: "开展“不忘初心”主题教育", Points: 1000, Standard: "覆盖全体党员", Evidence: "活动照片、签到表"},
				}},
				{Title: "第二项工作", Points: 800, Nodes: []workflow.Node{}},
			}},
			{Code: "P2", Points: 1950, Works: []workflow.Work{}},
		},
		Business: []workflow.Indicator{
			{Code: "B1", Points: 1000, Works: []workflow.Work{
				{Title: "会员实名制信息采集", Points: 1000, Covers: []string{"B1.1", "B1.2"}, Nodes: []workflow.Node{
					{Due: "2019-11-30", Target: "采集率达到95%", Points: 1000, Standard: "系统数据", Evidence: "统计报表 \"原样\" <&>"},
				}},
			}},
		},
		Innovation: []workflow.InnovationItem{
			{Title: "“互联网+”普惠服务", Content: "建设线上服务平台", Effect: "服务职工10万人次", Points: 50, Nodes: []workflow.Node{
				{Due: "2019-09-30", Target: "平台上线", Points: 50, Standard: "上线运行", Evidence: "截图"},
			}},
		},
	}
}

func sampleSubmission(year int, unit string) *workflow.Submission {
	created := at(10, 9, 0, 0, 1)
	return &workflow.Submission{Year: year, Unit: unit, State: workflow.StateDraft, Version: 1, Doc: sampleDoc(), CreatedAt: created, UpdatedAt: created}
}

func createSubmission(t *testing.T, tx service.Tx, year int, unit string) *workflow.Submission {
	t.Helper()
	s := sampleSubmission(year, unit)
	if err := tx.CreateSubmission(s); err != nil {
		t.Fatalf("create submission %d/%s: %v", year, unit, err)
	}
	return s
}

// testPlanYAML is a small valid plan with Chinese text and a calendar.
const testPlanYAML = `
year: %d
title: %s
zone: Asia/Shanghai
deadline: {date: %d-06-13, time: "17:30"}
checkpoints:
  - {date: %d-06-30, name: 6月30日前}
  - {date: %d-11-30, name: 11月30日前}
calendar:
  holidays: [%d-10-01..%d-10-03]
  workdays: [%d-09-29]
forbidden_phrases: [进一步, 加大]
party:
  name: 党建指标
  annex: 1
  total: 100
  min: 15
  max: 25
  step: 0.5
  items:
    - {code: P1, name: 党的政治建设}
business:
  name: 业务指标
  annex: 2
  total: 100
  min: 4
  max: 11
  step: 1
  items:
    - code: B1
      name: 加强基层工会组织建设
      required:
        - {code: B1.1, text: 须于每月提供会员实名制信息采集数量}
grades:
  - {name: 好, min: 90}
  - {name: 较好, min: 80}
`

func testPlan(t *testing.T, year int, title string) *workflow.Plan {
	t.Helper()
	y := year
	p, err := workflow.LoadPlan([]byte(fmt.Sprintf(testPlanYAML, y, title, y, y, y, y, y, y)))
	if err != nil {
		t.Fatalf("test plan: %v", err)
	}
	return p
}
