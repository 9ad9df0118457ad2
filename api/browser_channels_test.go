package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kaohe/jobs"
	"kaohe/workflow"
)

// TestBrowserChannels: the unit adds its WeCom group robot under its
// contacts against the loopback robot server and sends a test message,
// which arrives; a DingTalk robot with a wrong secret says what the robot
// answered, and is deleted after a dialog; the unit's calendar shows its
// address with a QR code, and rotating it (after a dialog) makes the old
// address 404. The reminders of June 12 then go by email and to the
// robot, whose group has removed it meanwhile: the office's message page
// shows the failed robot message first with its resend, and filters the
// messages by channel. The
// office registers and tests its own robot on the units and accounts
// page.
func TestBrowserChannels(t *testing.T) {
	t.Parallel()
	e, srv := robotEnv(t, nil)
	hook, key := srv.WeCom()
	dingHook, _, _ := srv.DingTalk()

	unit := e.browse()
	unit.login("gjz", "password-gjz")
	unit.goTo("#/units/gjz")
	unit.waitFor(`document.querySelector('#channels #robot-form')`)
	form := "#robot-form"
	var robots []robotJSON

	t.Run("a WeCom robot is added, listed without its key, and tested", func(t *testing.T) {
		unit := unit.as(t)
		if n := evalJSON[int](unit, `document.querySelectorAll('#robot-howto p').length`); n < 2 {
			t.Fatal("no how-to for the two robots")
		}
		unit.selectValue(form+` select[name="kind"]`, "wecom")
		if shown := evalJSON[string](unit, `getComputedStyle(document.querySelector('#robot-form .robot-secret')).display`); shown != "none" {
			t.Errorf("a WeCom robot is asked for a secret (display %s)", shown)
		}
		unit.typeInto(form+` input[name="webhook"]`, hook)
		unit.typeInto(form+` input[name="name"]`, "甘井子督查工作群")
		unit.clickCentered(form + ` button[type="submit"]`)
		unit.waitFor(`document.querySelectorAll('#robots tr[data-robot]').length === 1`)
		e.mustDecode("GET", "/api/v1/units/gjz/robots", "unitA", nil, 200, &robots)
		if len(robots) != 1 || robots[0].Kind != "wecom" || robots[0].Name != "甘井子督查工作群" {
			t.Fatalf("robots %+v", robots)
		}
		row := fmt.Sprintf(`#robots tr[data-robot="%d"]`, robots[0].ID)
		got := unit.text(row)
		if !strings.Contains(got, srv.Host) || !strings.Contains(got, key[len(key)-4:]) || !strings.Contains(got, "尚未测试") {
			t.Errorf("the robot reads %q", got)
		}
		if strings.Contains(unit.pageText(), key) || evalJSON[bool](unit, fmt.Sprintf(`document.documentElement.outerHTML.includes(%q)`, key)) {
			t.Fatal("the page holds the robot's key")
		}
		unit.clickCentered(row + ` button[data-action="robot-test"]`)
		unit.waitFor(fmt.Sprintf(`document.querySelector('%s td.robot-test').dataset.ok === "true"`, row))
		if ms := srv.Messages(key); len(ms) != 1 || !strings.Contains(ms[0].Text, "甘井子区总工会") {
			t.Fatalf("the robot server got %+v", ms)
		}
		if got := unit.text(row + " td.robot-test"); !strings.Contains(got, "测试消息已送达") {
			t.Errorf("the test reads %q", got)
		}
	})

	t.Run("a DingTalk robot with a wrong secret says what the robot answered, and is deleted", func(t *testing.T) {
		unit := unit.as(t)
		unit.selectValue(form+` select[name="kind"]`, "dingtalk")
		unit.waitFor(`getComputedStyle(document.querySelector('#robot-form .robot-secret')).display !== 'none'`)
		unit.typeInto(form+` input[name="webhook"]`, dingHook)
		unit.typeInto(form+` input[name="name"]`, "甘井子工作群")
		unit.typeInto(form+` input[name="secret"]`, "SEC0000000000000000wrong")
		unit.clickCentered(form + ` button[type="submit"]`)
		unit.waitFor(`document.querySelectorAll('#robots tr[data-robot]').length === 2`)
		e.mustDecode("GET", "/api/v1/units/gjz/robots", "unitA", nil, 200, &robots)
		row := fmt.Sprintf(`#robots tr[data-robot="%d"]`, robots[1].ID)
		unit.clickCentered(row + ` button[data-action="robot-test"]`)
		unit.waitFor(fmt.Sprintf(`document.querySelector('%s td.robot-test').dataset.ok === "false"`, row))
		if got := unit.text(row + " td.robot-test"); !strings.Contains(got, "未送达") || !strings.Contains(got, "310000") {
			t.Errorf("the failed test reads %q", got)
		}
		unit.shot("channels-robots", "#channels")
		unit.clickCentered(row + ` button[data-action="robot-delete"]`)
		if got := unit.text("#confirm-dialog"); !strings.Contains(got, "删除群机器人“甘井子工作群”") || !strings.Contains(got, "不再发到这个群") {
			t.Fatalf("the dialog reads %q", got)
		}
		unit.click("#confirm-ok")
		unit.waitFor(`document.querySelectorAll('#robots tr[data-robot]').length === 1`)
		if e.mustDecode("GET", "/api/v1/units/gjz/robots", "unitA", nil, 200, &robots); len(robots) != 1 || robots[0].Kind != "wecom" {
			t.Fatalf("after the delete: %+v", robots)
		}
	})

	t.Run("the calendar's address with its QR code; rotating stops the old address", func(t *testing.T) {
		unit := unit.as(t)
		var cal calendarJSON
		e.mustDecode("GET", "/api/v1/units/gjz/calendar", "unitA", nil, 200, &cal)
		unit.waitFor(`document.querySelector('#calendar-qr') && document.querySelector('#calendar-qr').complete && document.querySelector('#calendar-qr').naturalWidth > 100`)
		if got := evalJSON[string](unit, `document.querySelector('#calendar-url').value`); got != cal.URL {
			t.Fatalf("the page's address %q, the API's %q", got, cal.URL)
		}
		if got := evalJSON[string](unit, `document.querySelector('#calendar-open').getAttribute('href')`); got != cal.WebcalURL {
			t.Errorf("the calendar link %q", got)
		}
		unit.clickCentered("#calendar-copy")
		unit.waitFor(`[...document.querySelectorAll('#toasts .toast')].some(t => t.innerText.includes('复制'))`)
		unit.shot("channels-calendar", "#calendar")
		unit.clickCentered("#calendar-rotate")
		if got := unit.text("#confirm-dialog"); !strings.Contains(got, "旧地址立即失效") {
			t.Fatalf("the dialog reads %q", got)
		}
		unit.click("#confirm-cancel")
		unit.waitFor(`!document.querySelector('#confirm-dialog')`)
		if status, _, _ := getFeed(t, cal.URL); status != 200 {
			t.Fatalf("a cancelled rotation stopped the address: %d", status)
		}
		unit.clickCentered("#calendar-rotate")
		unit.click("#confirm-ok")
		unit.waitFor(fmt.Sprintf(`document.querySelector('#calendar-url') && document.querySelector('#calendar-url').value !== %q && document.querySelector('#calendar-qr').naturalWidth > 100`, cal.URL))
		fresh := evalJSON[string](unit, `document.querySelector('#calendar-url').value`)
		if status, _, _ := getFeed(t, cal.URL); status != 404 {
			t.Errorf("the old address answers %d", status)
		}
		if status, _, _ := getFeed(t, fresh); status != 200 {
			t.Errorf("the new address answers %d", status)
		}
	})

	office := e.browse()
	office.login("admin", "admin-password")

	t.Run("the office's message page filters by channel", func(t *testing.T) {
		office := office.as(t)
		e.clock.Set(cst(6, 12, 10, 0))
		if n := e.remind(); n != 5 {
			t.Fatalf("June 12: %d messages, want 5 (two contacts of two units, gjz's robot)", n)
		}
		// The group removed its robot: WeCom answers 93000, and the message
		// fails at once; the emails go out.
		srv.FailNext(key, 93000, "invalid webhook url")
		d := &jobs.Dispatcher{Store: e.app.Store, Clock: e.clock, Mailer: &refusingMailer{}, Robots: e.app.RobotSender(), From: "kaohe@dl.example.cn",
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if n, err := d.RunOnce(context.Background()); err != nil || n != 4 {
			t.Fatalf("dispatch: %d sent, %v; want the 4 emails", n, err)
		}
		office.goTo("#/")
		office.run(chromedp.Reload())
		office.waitFor(`document.querySelector('#mail-banner')`)
		if got := office.text("#mail-banner"); !strings.Contains(got, "有1条消息") {
			t.Errorf("the banner reads %q", got)
		}
		office.click(`nav a[href="#/notify"]`)
		office.waitFor(`document.querySelectorAll('#mail-list tr[data-id]').length === 5 && document.querySelectorAll('#failed-mail tr[data-id]').length === 1`)
		if got := office.text(`nav a[href="#/notify"]`); got != "消息提醒" {
			t.Errorf("the link reads %q", got)
		}
		failed := office.mailRows("failed-mail")
		if len(failed) != 1 || !failed[0].Resend || !strings.Contains(failed[0].Text, "企业微信群机器人") || !strings.Contains(failed[0].Text, "甘井子督查工作群") ||
			!strings.Contains(failed[0].Error, "93000") || strings.Contains(failed[0].Text, "robot:") {
			t.Fatalf("the failed robot message: %+v", failed)
		}
		office.shot("notify-robot-failed", "")
		for _, c := range []struct {
			channel string
			n       int
			want    string
		}{{"wecom", 1, "甘井子督查工作群"}, {"email", 4, "@"}, {"dingtalk", 0, ""}} {
			var api []struct {
				Channel workflow.Channel `json:"channel"`
			}
			e.mustDecode("GET", "/api/v1/notifications?channel="+c.channel, "office", nil, 200, &api)
			office.selectValue(`#mail-filter select[data-nfilter="channel"]`, c.channel)
			office.waitFor(fmt.Sprintf(`document.querySelector('#mail-filter select[data-nfilter="channel"]').value === %q && document.querySelectorAll('#mail-list tr[data-id]').length === %d`, c.channel, c.n))
			if len(api) != c.n {
				t.Fatalf("%s: the API lists %d", c.channel, len(api))
			}
			rows := evalJSON[[]string](office, `[...document.querySelectorAll('#mail-list tr[data-id]')].map(r => r.dataset.channel + '|' + r.innerText)`)
			for _, r := range rows {
				if !strings.HasPrefix(r, c.channel+"|") || !strings.Contains(r, c.want) || strings.Contains(r, "robot:") {
					t.Errorf("%s: row %q", c.channel, r)
				}
			}
			if c.channel == "wecom" {
				office.shot("notify-channels", "#mail-section")
			}
		}
		office.selectValue(`#mail-filter select[data-nfilter="channel"]`, "")
		office.waitFor(`document.querySelectorAll('#mail-list tr[data-id]').length === 5`)
		office.clickCentered(fmt.Sprintf(`#failed-mail button[data-action="resend"][data-id="%d"]`, failed[0].ID))
		office.waitFor(fmt.Sprintf(`document.querySelector('#failed-mail tr[data-id="%d"]').dataset.state === "pending"`, failed[0].ID))
		if got := office.text("#result"); !strings.Contains(got, "发往群机器人“甘井子督查工作群”的消息") {
			t.Errorf("the resend says %q", got)
		}
		if n, err := d.RunOnce(context.Background()); err != nil || n != 1 {
			t.Fatalf("the resent message: %d sent, %v", n, err)
		}
		if ms := srv.Messages(key); len(ms) != 2 || !strings.Contains(ms[1].Text, "2019年6月13日") {
			t.Errorf("the robot got %+v", ms)
		}
	})

	t.Run("the office registers and tests its own robot and sees its calendar", func(t *testing.T) {
		office := office.as(t)
		officeHook, token, secret := srv.DingTalk()
		office.click(`nav a[href="#/admin"]`)
		office.waitFor(`document.querySelector('#channels[data-owner=""] #robot-form') && document.querySelector('#calendar-url')`)
		office.selectValue(form+` select[name="kind"]`, "dingtalk")
		office.typeInto(form+` input[name="webhook"]`, officeHook)
		office.typeInto(form+` input[name="secret"]`, secret)
		office.clickCentered(form + ` button[type="submit"]`)
		office.waitFor(`document.querySelectorAll('#robots tr[data-robot]').length === 1`)
		office.clickCentered(`#robots button[data-action="robot-test"]`)
		office.waitFor(`document.querySelector('#robots td.robot-test').dataset.ok === "true"`)
		if n := len(srv.Messages(token)); n != 1 {
			t.Fatalf("the office's robot got %d messages", n)
		}
		var mine []robotJSON
		if e.mustDecode("GET", "/api/v1/office/robots", "office", nil, 200, &mine); len(mine) != 1 || mine[0].Unit != "" {
			t.Fatalf("the office's robots %+v", mine)
		}
		office.shot("admin-office-channels", "#channels")
	})

	t.Run("nothing is wider than the screen", func(t *testing.T) {
		unit.as(t).fitScreens("#/units/gjz")
		office.as(t).fitScreens("#/admin", "#/notify")
		b := unit.as(t)
		b.viewport(390)
		b.goTo("#/units/gjz")
		b.settled()
		b.shot("phone-channels", "#calendar")
		b.viewport(1366)
	})
}
