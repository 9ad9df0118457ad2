package service

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"kaohe/workflow"
)

// RobotSender sends one markdown message to a group robot at once: the
// "send test message" check. The outbox's messages go through the
// dispatcher instead. Package internal/robot implements it.
type RobotSender interface {
	// Send delivers title and markdown to r; the error says what the robot
	// (or the network) answered.
	Send(ctx context.Context, r workflow.Robot, title, markdown string) error
}

// MaxRobots bounds the robots of one unit, or of the office.
const MaxRobots = 10

// NewRobot is the request to register a group robot: its kind (wecom or
// dingtalk), the webhook copied from the robot's settings, DingTalk's
// signing secret, and a name for the group (optional).
type NewRobot struct {
	Kind    workflow.RobotKind `json:"kind"`
	Webhook string             `json:"webhook"`
	Secret  string             `json:"secret"`
	Name    string             `json:"name"`
}

// RobotView is a robot as clients see it: never its webhook's key or its
// secret, only their last four characters.
type RobotView struct {
	ID int64 `json:"id"`
	// Unit owns the robot; "" is the office.
	Unit string             `json:"unit"`
	Kind workflow.RobotKind `json:"kind"`
	// KindLabel names the kind in Chinese.
	KindLabel string `json:"kind_label"`
	Name      string `json:"name"`
	// Host is the webhook's host.
	Host string `json:"host"`
	// KeyLast4 ends the webhook's key (WeCom) or access token (DingTalk);
	// SecretLast4 the signing secret (DingTalk only).
	KeyLast4    string    `json:"key_last4"`
	SecretLast4 string    `json:"secret_last4,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
	// LastTest is the last test message's outcome; null before the first.
	LastTest *RobotTest `json:"last_test"`
}

// RobotTest is the outcome of a test message.
type RobotTest struct {
	At time.Time `json:"at"`
	OK bool      `json:"ok"`
	// Error is what the robot or the network answered when not OK.
	Error string `json:"error,omitempty"`
}

func robotView(r workflow.Robot) RobotView {
	v := RobotView{ID: r.ID, Unit: r.Unit, Kind: r.Kind, KindLabel: r.Kind.Label(), Name: r.Label(),
		CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy}
	if u, err := url.Parse(r.Webhook); err == nil {
		v.Host = u.Host
		for _, k := range []string{"key", "access_token"} {
			if key := u.Query().Get(k); key != "" {
				v.KeyLast4 = workflow.LastFour(key)
			}
		}
	}
	if r.Secret != "" {
		v.SecretLast4 = workflow.LastFour(r.Secret)
	}
	if r.LastTestAt != nil {
		v.LastTest = &RobotTest{At: *r.LastTestAt, OK: r.LastTestError == "", Error: r.LastTestError}
	}
	return v
}

// mayManage checks that a may register, remove and test the robots of
// owner, and read its calendar address: the office any unit's and its own
// (owner ""), a unit its own. Another unit's are ENOTFOUND, a viewer's
// attempt EFORBIDDEN.
func (a Actor) mayManage(owner string) error {
	if owner == "" {
		return a.requireRole(workflow.RoleOffice)
	}
	if err := a.checkUnit(owner); err != nil {
		return err
	}
	return a.requireRole(workflow.RoleOffice, workflow.RoleUnit)
}

// mayList checks that a may list the robots of owner (nothing secret):
// the office and viewers every list, a unit its own.
func (a Actor) mayList(owner string) error {
	if owner == "" {
		return a.requireRole(workflow.RoleOffice, workflow.RoleViewer)
	}
	return a.checkUnit(owner)
}

// ownerOf checks that owner exists: the office always does, a unit must.
func ownerOf(tx Tx, owner string) error {
	if owner == "" {
		return nil
	}
	_, err := unitOf(tx, owner)
	return err
}

// AddRobot registers a group robot of unit (office or that unit): the
// webhook must be on the robot's official host (or one the configuration
// allows), a DingTalk robot needs its signing secret. It returns
// EVALIDATION for a bad request or one robot too many, ECONFLICT when the
// unit has this webhook already, ENOTFOUND for an unknown unit.
func (s *Service) AddRobot(ctx context.Context, a Actor, unit string, in NewRobot) (*RobotView, error) {
	return s.addRobot(ctx, a, unit, in)
}

// AddOfficeRobot registers a group robot of the office (office only): it
// receives the office digests. Errors as AddRobot.
func (s *Service) AddOfficeRobot(ctx context.Context, a Actor, in NewRobot) (*RobotView, error) {
	return s.addRobot(ctx, a, "", in)
}

func (s *Service) addRobot(ctx context.Context, a Actor, owner string, in NewRobot) (*RobotView, error) {
	if err := a.mayManage(owner); err != nil {
		return nil, err
	}
	in.Name, in.Secret = strings.TrimSpace(in.Name), strings.TrimSpace(in.Secret)
	hook, vs := workflow.CheckWebhook(in.Kind, in.Webhook, s.opt.RobotAllowedHosts)
	if len(vs) == 0 || vs[0].Path != "kind" {
		vs = append(vs, workflow.CheckRobotSecret(in.Kind, in.Secret)...)
	}
	if utf8.RuneCountInString(in.Name) > 50 {
		vs = append(vs, workflow.Violation{Path: "name", Rule: "robot.name.too_long", Message: "机器人名称不超过50字"})
	}
	if len(vs) > 0 {
		return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: "机器人信息有误", Details: vs}
	}
	var out *RobotView
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		if err := ownerOf(tx, owner); err != nil {
			return err
		}
		have, err := tx.RobotsOf(owner)
		if err != nil {
			return err
		}
		if len(have) >= MaxRobots {
			return &workflow.Error{Code: workflow.EVALIDATION, Message: fmt.Sprintf("最多登记%d个机器人", MaxRobots),
				Details: []workflow.Violation{{Path: "", Rule: "robot.too_many", Message: fmt.Sprintf("最多登记%d个机器人，请先删除不用的", MaxRobots)}}}
		}
		r := &workflow.Robot{Unit: owner, Kind: in.Kind, Name: in.Name, Webhook: hook.URL, Secret: in.Secret, CreatedAt: now, CreatedBy: a.Username}
		if err := tx.AddRobot(r); err != nil {
			if workflow.ErrorCode(err) == workflow.ECONFLICT {
				return workflow.Errorf(workflow.ECONFLICT, "这个机器人已经登记过了（Webhook地址相同）")
			}
			return err
		}
		v := robotView(*r)
		out = &v
		return audit(tx, now, a, owner, "robot.add", "robot:"+fmt.Sprint(r.ID), fmt.Sprintf("%s %s %s…%s", r.Kind.Label(), r.Label(), v.Host, v.KeyLast4))
	})
	return out, err
}

// Robots lists the robots of unit without their credentials (office,
// viewers, or that unit; ENOTFOUND for another unit or an unknown one).
func (s *Service) Robots(ctx context.Context, a Actor, unit string) ([]RobotView, error) {
	return s.robots(ctx, a, unit)
}

// OfficeRobots lists the office's robots without their credentials
// (office and viewers).
func (s *Service) OfficeRobots(ctx context.Context, a Actor) ([]RobotView, error) {
	return s.robots(ctx, a, "")
}

func (s *Service) robots(ctx context.Context, a Actor, owner string) ([]RobotView, error) {
	if err := a.mayList(owner); err != nil {
		return nil, err
	}
	out := []RobotView{}
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		if err := ownerOf(tx, owner); err != nil {
			return err
		}
		rs, err := tx.RobotsOf(owner)
		for _, r := range rs {
			out = append(out, robotView(r))
		}
		return err
	})
	return out, err
}

// DeleteRobot removes a robot of unit (office or that unit; ENOTFOUND when
// the unit has no such robot). Its messages not sent yet fail.
func (s *Service) DeleteRobot(ctx context.Context, a Actor, unit string, id int64) error {
	return s.deleteRobot(ctx, a, unit, id)
}

// DeleteOfficeRobot removes a robot of the office (office only).
func (s *Service) DeleteOfficeRobot(ctx context.Context, a Actor, id int64) error {
	return s.deleteRobot(ctx, a, "", id)
}

func (s *Service) deleteRobot(ctx context.Context, a Actor, owner string, id int64) error {
	if err := a.mayManage(owner); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, now time.Time) error {
		if err := ownerOf(tx, owner); err != nil {
			return err
		}
		r, err := robotOf(tx, owner, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteRobot(owner, id); err != nil {
			return err
		}
		return audit(tx, now, a, owner, "robot.delete", "robot:"+fmt.Sprint(id), r.Kind.Label()+" "+r.Label())
	})
}

// robotOf returns robot id of owner (ENOTFOUND for another owner's).
func robotOf(tx Tx, owner string, id int64) (*workflow.Robot, error) {
	r, err := tx.Robot(id)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND || (err == nil && r.Unit != owner) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "机器人%d不存在", id)
	}
	return r, err
}

// TestRobot sends a test message to a robot of unit now, not through the
// outbox, and records the outcome (office or that unit): the robot's
// answer is in the result's last_test, a refusal is not an error of the
// request. ENOTFOUND when the unit has no such robot, EUNAVAILABLE when
// the server has no robot sender.
func (s *Service) TestRobot(ctx context.Context, a Actor, unit string, id int64) (*RobotView, error) {
	return s.testRobot(ctx, a, unit, id)
}

// TestOfficeRobot is TestRobot for a robot of the office (office only).
func (s *Service) TestOfficeRobot(ctx context.Context, a Actor, id int64) (*RobotView, error) {
	return s.testRobot(ctx, a, "", id)
}

func (s *Service) testRobot(ctx context.Context, a Actor, owner string, id int64) (*RobotView, error) {
	if err := a.mayManage(owner); err != nil {
		return nil, err
	}
	if s.opt.Robots == nil {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "服务器未配置机器人发送")
	}
	var r *workflow.Robot
	who, loc := "市总工会办公室", time.UTC
	err := s.view(ctx, func(tx Tx, _ time.Time) (err error) {
		if ps, err := tx.Plans(); err == nil && len(ps) > 0 {
			loc = ps[len(ps)-1].Location()
		}
		if owner != "" {
			u, err := unitOf(tx, owner)
			if err != nil {
				return err
			}
			who = u.Name
		}
		r, err = robotOf(tx, owner, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The send is outside any transaction: it takes as long as the robot
	// takes to answer, and must not hold the database meanwhile.
	now := s.clock.Now()
	title := "考核系统测试消息"
	text := fmt.Sprintf("### %s\n\n这是%s在考核系统中登记的%s“%s”发出的测试消息。收到即说明设置正确：此后考核提醒、逾期通知将同时发到本群。\n\n%s",
		title, who, r.Kind.Label(), r.Label(), now.In(loc).Format("2006年1月2日 15:04"))
	errText := ""
	if err := s.opt.Robots.Send(ctx, *r, title, text); err != nil {
		errText = err.Error()
	}
	var out *RobotView
	err = s.update(ctx, func(tx Tx, at time.Time) error {
		if err := tx.RecordRobotTest(id, at, errText); err != nil {
			return err
		}
		got, err := tx.Robot(id)
		if err != nil {
			return err
		}
		v := robotView(*got)
		out = &v
		result := "ok"
		if errText != "" {
			result = errText
		}
		return audit(tx, at, a, owner, "robot.test", "robot:"+fmt.Sprint(id), result)
	})
	return out, err
}
