package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"kaohe/workflow"
)

// robotRow is one group robot. The unique key robot_webhook over (unit,
// webhook_sha256) keeps one owner from registering the same webhook twice;
// the hash stands in for the URL, which is too long for a MySQL index.
type robotRow struct {
	ID            int64      `gorm:"primaryKey"`
	Unit          ident      `gorm:"size:64;not null;uniqueIndex:robot_webhook,priority:1"`
	WebhookSHA256 ident      `gorm:"column:webhook_sha256;size:64;not null;uniqueIndex:robot_webhook,priority:2"`
	Kind          string     `gorm:"size:16;not null"`
	Name          string     `gorm:"size:100;not null"`
	Webhook       string     `gorm:"size:1000;not null"`
	Secret        string     `gorm:"size:255;not null"`
	CreatedAt     time.Time  `gorm:"not null;precision:6;autoCreateTime:false"`
	CreatedBy     string     `gorm:"size:64;not null"`
	LastTestAt    *time.Time `gorm:"precision:6"`
	LastTestError string     `gorm:"type:text;not null"`
}

// TableName is the table of robotRow.
func (robotRow) TableName() string { return "robots" }

func (r robotRow) robot() workflow.Robot {
	return workflow.Robot{ID: r.ID, Unit: string(r.Unit), Kind: workflow.RobotKind(r.Kind), Name: r.Name,
		Webhook: r.Webhook, Secret: r.Secret, CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy,
		LastTestAt: utcPtr(r.LastTestAt), LastTestError: r.LastTestError}
}

func webhookHash(webhook string) string {
	h := sha256.Sum256([]byte(webhook))
	return hex.EncodeToString(h[:])
}

// AddRobot stores r and sets its ID (ECONFLICT when its owner has the same
// webhook already).
func (t *tx) AddRobot(r *workflow.Robot) error {
	row := robotRow{Unit: ident(r.Unit), WebhookSHA256: ident(webhookHash(r.Webhook)), Kind: string(r.Kind), Name: r.Name,
		Webhook: r.Webhook, Secret: r.Secret, CreatedAt: utc(r.CreatedAt), CreatedBy: r.CreatedBy}
	if err := t.db.Create(&row).Error; err != nil {
		return translate(err, "add robot", "该机器人")
	}
	r.ID = row.ID
	return nil
}

// Robot returns one robot (ENOTFOUND when absent).
func (t *tx) Robot(id int64) (*workflow.Robot, error) {
	return take(t.db.Where("id = ?", id), robotRow.robot, "robot", fmt.Sprintf("机器人%d", id))
}

// RobotsOf lists the robots of unit ("" the office's) by ID.
func (t *tx) RobotsOf(unit string) ([]workflow.Robot, error) {
	return find(t.db.Where("unit = ?", unit).Order("id"), robotRow.robot, "robots")
}

// AllRobots returns every robot by owner ("" the office), each owner's by ID.
func (t *tx) AllRobots() (map[string][]workflow.Robot, error) {
	var rows []robotRow
	if err := t.db.Order("id").Find(&rows).Error; err != nil {
		return nil, internal(err, "robots")
	}
	out := map[string][]workflow.Robot{}
	for _, r := range rows {
		out[string(r.Unit)] = append(out[string(r.Unit)], r.robot())
	}
	return out, nil
}

// DeleteRobot removes robot id of unit (ENOTFOUND when unit has no robot id).
func (t *tx) DeleteRobot(unit string, id int64) error {
	res := t.db.Where("id = ? AND unit = ?", id, unit).Delete(&robotRow{})
	return touched(res, "delete robot", workflow.Errorf(workflow.ENOTFOUND, "机器人%d不存在", id))
}

// RecordRobotTest records the outcome of a test message ("" accepted).
func (t *tx) RecordRobotTest(id int64, at time.Time, errText string) error {
	res := t.db.Model(&robotRow{}).Where("id = ?", id).Updates(map[string]any{"last_test_at": utc(at), "last_test_error": errText})
	return touched(res, "record robot test", workflow.Errorf(workflow.ENOTFOUND, "机器人%d不存在", id))
}

// calendarFeedRow is the address of one calendar feed: the token of an
// owner (a unit, "" the office). The token is unique, so that an address
// names one feed.
type calendarFeedRow struct {
	Owner     ident     `gorm:"primaryKey;size:64"`
	Token     ident     `gorm:"size:64;not null;uniqueIndex:calendar_feed_token"`
	CreatedAt time.Time `gorm:"not null;precision:6;autoCreateTime:false"`
}

// TableName is the table of calendarFeedRow.
func (calendarFeedRow) TableName() string { return "calendar_feeds" }

func (r calendarFeedRow) feed() workflow.CalendarFeed {
	return workflow.CalendarFeed{Owner: string(r.Owner), Token: string(r.Token), CreatedAt: r.CreatedAt.UTC()}
}

// CalendarFeed returns the feed of owner (ENOTFOUND when it has none yet).
func (t *tx) CalendarFeed(owner string) (*workflow.CalendarFeed, error) {
	return take(t.db.Where("owner = ?", owner), calendarFeedRow.feed, "calendar feed", "日历订阅")
}

// CalendarFeedByToken returns the feed whose address has token (ENOTFOUND
// when none has).
func (t *tx) CalendarFeedByToken(token string) (*workflow.CalendarFeed, error) {
	return take(t.db.Where("token = ?", token), calendarFeedRow.feed, "calendar feed", "日历订阅")
}

// SaveCalendarFeed stores f as its owner's feed, replacing the token of an
// existing one.
func (t *tx) SaveCalendarFeed(f *workflow.CalendarFeed) error {
	res := t.db.Model(&calendarFeedRow{}).Where("owner = ?", f.Owner).Updates(map[string]any{"token": f.Token, "created_at": utc(f.CreatedAt)})
	if res.Error != nil {
		return translate(res.Error, "save calendar feed", "日历订阅")
	}
	if res.RowsAffected == 1 {
		return nil
	}
	row := calendarFeedRow{Owner: ident(f.Owner), Token: ident(f.Token), CreatedAt: utc(f.CreatedAt)}
	return translate(t.db.Create(&row).Error, "save calendar feed", "日历订阅")
}
