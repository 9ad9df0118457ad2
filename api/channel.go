package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	goqr "github.com/piglig/go-qr"

	"kaohe/internal/calendar"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// channelRoutes: the group robots and the calendar feeds of the units and
// of the office. The office's own are under /office.
func (s *Server) channelRoutes(a *gin.RouterGroup) {
	svc := s.Service
	a.GET("/units/:unit/robots", unitCall(ok, svc.Robots))
	a.POST("/units/:unit/robots", unitBodyCall(created, svc.AddRobot))
	a.DELETE("/units/:unit/robots/:id", unitIDCall(http.StatusNoContent, func(ctx context.Context, a service.Actor, unit string, id int64) (struct{}, error) {
		return struct{}{}, svc.DeleteRobot(ctx, a, unit, id)
	}))
	a.POST("/units/:unit/robots/:id/test", unitIDCall(ok, svc.TestRobot))
	a.GET("/office/robots", actorCall(ok, svc.OfficeRobots))
	a.POST("/office/robots", bodyCall(created, svc.AddOfficeRobot))
	a.DELETE("/office/robots/:id", idCall(http.StatusNoContent, "机器人", func(ctx context.Context, a service.Actor, id int64) (struct{}, error) {
		return struct{}{}, svc.DeleteOfficeRobot(ctx, a, id)
	}))
	a.POST("/office/robots/:id/test", idCall(ok, "机器人", svc.TestOfficeRobot))

	unitFeed := func(c *gin.Context) string { return c.Param("unit") }
	a.GET("/units/:unit/calendar", s.calendarLink(unitFeed, svc.Calendar))
	a.POST("/units/:unit/calendar/rotate", s.calendarLink(unitFeed, svc.RotateCalendar))
	a.GET("/units/:unit/calendar/qr.svg", s.calendarQR(qrSVG, unitFeed, svc.Calendar))
	a.GET("/units/:unit/calendar/qr.png", s.calendarQR(qrPNG, unitFeed, svc.Calendar))
	office := func(*gin.Context) string { return "" }
	officeCall := func(call func(context.Context, service.Actor) (*workflow.CalendarFeed, error)) feedCall {
		return func(ctx context.Context, a service.Actor, _ string) (*workflow.CalendarFeed, error) {
			return call(ctx, a)
		}
	}
	a.GET("/office/calendar", s.calendarLink(office, officeCall(svc.OfficeCalendar)))
	a.POST("/office/calendar/rotate", s.calendarLink(office, officeCall(svc.RotateOfficeCalendar)))
	a.GET("/office/calendar/qr.svg", s.calendarQR(qrSVG, office, officeCall(svc.OfficeCalendar)))
	a.GET("/office/calendar/qr.png", s.calendarQR(qrPNG, office, officeCall(svc.OfficeCalendar)))
}

// unitIDCall is a service call on :unit and its record :id.
func unitIDCall[T any](status int, call func(context.Context, service.Actor, string, int64) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if id, ok := idParam(c, "机器人"); ok {
			v, err := call(c.Request.Context(), actorOf(c), c.Param("unit"), id)
			respond(c, status, v, err)
		}
	}
}

// feedCall reads (or rotates) the feed of an owner: a unit, "" the office.
type feedCall func(ctx context.Context, a service.Actor, owner string) (*workflow.CalendarFeed, error)

// CalendarLink is a feed's address as the API gives it: the https (or
// http) URL to subscribe to, the same as webcal:// (which phones open in
// their calendar), and the API paths of its QR code.
type CalendarLink struct {
	URL       string    `json:"url"`
	WebcalURL string    `json:"webcal_url"`
	QRSVG     string    `json:"qr_svg"`
	QRPNG     string    `json:"qr_png"`
	CreatedAt time.Time `json:"created_at"`
}

// feedURL is the address of the feed with token: on public_url when set,
// else on the address the request came to.
func (s *Server) feedURL(c *gin.Context, token string) string {
	base := s.PublicURL
	if base == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host
	}
	return strings.TrimRight(base, "/") + "/calendar/" + token + ".ics"
}

// calendarLink answers the address of the owner's feed (a GET, or a
// rotation that replaces it).
func (s *Server) calendarLink(owner func(*gin.Context) string, call feedCall) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := call(c.Request.Context(), actorOf(c), owner(c))
		if err != nil {
			writeError(c, err)
			return
		}
		u := s.feedURL(c, f.Token)
		qr := "/api/v1/office/calendar/qr"
		if f.Owner != "" {
			qr = "/api/v1/units/" + f.Owner + "/calendar/qr"
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, CalendarLink{URL: u, WebcalURL: "webcal://" + strings.SplitN(u, "://", 2)[1],
			QRSVG: qr + ".svg", QRPNG: qr + ".png", CreatedAt: f.CreatedAt})
	}
}

const (
	qrSVG = "image/svg+xml"
	qrPNG = "image/png"
)

// calendarQR draws the feed's https address as a QR code for a phone's
// camera, with github.com/piglig/go-qr: SVG (for the pages to put inline:
// their CSP allows no blob: or data: images) or PNG.
func (s *Server) calendarQR(format string, owner func(*gin.Context) string, call feedCall) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := call(c.Request.Context(), actorOf(c), owner(c))
		if err != nil {
			writeError(c, err)
			return
		}
		code, err := goqr.EncodeText(s.feedURL(c, f.Token), goqr.Medium)
		if err != nil {
			writeError(c, err)
			return
		}
		var b []byte
		if format == qrSVG {
			// The SVG renderer's border is in pixels: 4 modules of 8.
			b, err = code.ToSVGBytes(goqr.NewQrCodeImgConfig(8, 32, goqr.WithOptimalSVG()))
		} else {
			b, err = code.ToPNGBytes(goqr.NewQrCodeImgConfig(8, 4))
		}
		if err != nil {
			writeError(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, format, b)
	}
}

// handleFeed serves a calendar feed to whoever has its address:
// GET /calendar/{token}.ics. An unknown or rotated token is 404.
func (s *Server) handleFeed(c *gin.Context) {
	token, isICS := strings.CutSuffix(c.Param("file"), ".ics")
	// The token is the feed's only credential: keep it out of the request
	// log, which records the path.
	c.Request.URL.Path = "/calendar/…"
	if !isICS {
		writeError(c, workflow.Errorf(workflow.ENOTFOUND, "没有这个地址"))
		return
	}
	f, err := s.Service.CalendarFeed(c.Request.Context(), token)
	if err != nil {
		writeError(c, err)
		return
	}
	var b bytes.Buffer
	if err := calendar.Write(&b, f.Name, f.Events, s.Service.Now()); err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "private, max-age=300")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "no-referrer")
	c.Data(http.StatusOK, calendar.ContentType, b.Bytes())
}
