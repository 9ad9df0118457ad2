// Package api serves kaohe's JSON API under /api/v1 and its web pages with
// gin. Every handler reads the same way: bind, call the workflow service,
// respond. Errors become statuses in one place (error.go).
package api

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Server holds what the handlers need. Its zero value is not usable: set
// Service, Ready and Log.
type Server struct {
	Service *service.Service
	Log     *slog.Logger
	// MaxBodyBytes bounds the body of every request that is not an upload
	// or an import (2 MiB when zero).
	MaxBodyBytes int64
	// Metrics, when set, counts requests and serves GET /metrics (the jobs'
	// metrics are registered on the same registry).
	Metrics *prometheus.Registry
	// Notify wakes the mail dispatcher after a resend (nil: it finds the
	// message at its next poll).
	Notify func()
	// MaxHeaderBytes bounds the request line and headers (16 KiB when
	// zero), MaxQueryBytes the query string (4 KiB when zero): beyond, 431
	// and 414 in the error shape.
	MaxHeaderBytes, MaxQueryBytes int
	// TrustedProxies are the reverse proxies (addresses or CIDR ranges)
	// whose X-Forwarded-For names the client; none when empty.
	TrustedProxies []string
	// UploadReadTimeout replaces the server's read timeout for an
	// evidence upload once it is authorised (none when zero).
	UploadReadTimeout time.Duration
	// PublicURL is the address users reach the server at (public_url),
	// for calendar addresses; without it, the address a request came to.
	PublicURL string
}

// maxImportBytes bounds an uploaded file that is imported whole: a
// member-count file or an indicator workbook.
const maxImportBytes = 10 << 20

// Handler returns the whole route table wrapped in its middleware.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// The client's address is the connection's peer unless that is a
	// trusted proxy; then it is the last address in X-Forwarded-For that
	// is not a trusted proxy. gin trusts every peer unless told.
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	if err := r.SetTrustedProxies(s.TrustedProxies); err != nil {
		s.Log.Error("http.trusted_proxies: trusting none", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(securityHeaders(), s.recoverer(), limitHeaders(cmp.Or(s.MaxHeaderBytes, 16<<10), cmp.Or(s.MaxQueryBytes, 4<<10)), s.logger())
	if s.Metrics != nil {
		s.instrument(r, s.Metrics)
	}
	r.NoRoute(func(c *gin.Context) { writeError(c, workflow.Errorf(workflow.ENOTFOUND, "没有这个地址")) })
	r.NoMethod(func(c *gin.Context) {
		writeRefusal(c, http.StatusMethodNotAllowed, codeMethodNotAllowed, "不支持该请求方法")
	})
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.handleReady)
	registerPages(r)
	// A calendar feed is read by calendars that sign in to nothing: its
	// token is its credential.
	r.GET("/calendar/:file", s.handleFeed)
	r.HEAD("/calendar/:file", s.handleFeed)

	v1 := r.Group("/api/v1")
	limit := cmp.Or(s.MaxBodyBytes, 2<<20)
	v1.POST("/login", limitBody(limit), s.handleLogin)
	auth := s.authenticate()
	s.routes(v1.Group("", limitBody(limit), auth))
	// Uploads and imports have limits of their own, checked before their
	// bodies are read.
	lim := s.Service.Limits()
	upload := v1.Group("", limitBody(int64(lim.MaxFiles)*(lim.MaxFileBytes+64<<10)+1<<20), auth)
	upload.POST("/nodes/:id/evidence", s.handleReport)
	upload.POST("/plans/:year/units/:unit/objections", s.handleFileObjection)
	imports := v1.Group("", limitBody(maxImportBytes+1<<20), auth)
	imports.POST("/plans/:year/monthly/:month/import", s.handleImportMonthly)
	imports.POST("/plans/:year/units/:unit/submission/import", s.handleImportSubmission)
	return r
}

// routes registers every JSON route, by resource.
func (s *Server) routes(a *gin.RouterGroup) {
	s.accountRoutes(a)
	s.planRoutes(a)
	s.unitRoutes(a)
	s.submissionRoutes(a)
	s.nodeRoutes(a)
	s.scoringRoutes(a)
	s.channelRoutes(a)
	s.contestRoutes(a)
	a.GET("/todo", s.handleTodo)
	a.GET("/notifications", s.handleNotifications)
	a.GET("/notifications/counts", s.handleNotificationCounts)
	a.POST("/notifications/:id/resend", s.handleResendNotification)
}

const ok, created = http.StatusOK, http.StatusCreated

// accountRoutes: sessions, accounts and the audit log.
func (s *Server) accountRoutes(a *gin.RouterGroup) {
	a.POST("/logout", s.handleLogout)
	a.GET("/me", s.handleMe)
	a.PUT("/me/password", s.handleSetOwnPassword)
	a.GET("/users", actorCall(ok, s.Service.Users))
	a.POST("/users", bodyCall(created, s.Service.CreateUser))
	a.PUT("/users/:username/password", s.handleSetPassword)
	a.GET("/audit", s.handleAudit)
	a.GET("/labels", s.handleLabels)
	a.GET("/operations/backup", actorCall(ok, s.Service.BackupStatus))
}

// planRoutes: the years, the plans in force, the plans as the office edits
// them (a whole document at a time, so that every field is editable here),
// and the blank annexes.
func (s *Server) planRoutes(a *gin.RouterGroup) {
	svc := s.Service
	a.GET("/years", actorCall(ok, svc.Years))
	a.GET("/plans", s.handlePlans)
	a.POST("/plans", bodyCall(created, svc.CreatePlan))
	a.GET("/plans/:year", s.handlePlan)
	a.PUT("/plans/:year/draft", yearBodyCall(ok, svc.SavePlanDraft))
	a.POST("/plans/:year/check", s.handleCheckPlan)
	a.GET("/plans/:year/versions", yearCall(ok, svc.PlanVersions))
	a.GET("/plans/:year/versions/:version", versionCall(ok, svc.PlanVersion))
	a.GET("/plans/:year/versions/:version/plan.yaml", s.handlePlanYAML)
	a.GET("/plans/:year/versions/:version/impact", versionCall(ok, svc.PlanImpact))
	a.POST("/plans/:year/versions/:version/publish", versionBodyCall(ok, svc.PublishPlan))
	a.GET("/plans/:year/annexes.xlsx", s.handleBlankAnnexes("xlsx"))
	a.GET("/plans/:year/annexes.docx", s.handleBlankAnnexes("docx"))
}

// unitRoutes: units and their contacts.
func (s *Server) unitRoutes(a *gin.RouterGroup) {
	a.GET("/units", actorCall(ok, s.Service.Units))
	a.POST("/units", bodyCall(created, s.Service.CreateUnit))
	a.GET("/units/:unit", unitCall(ok, s.Service.Unit))
	a.GET("/units/:unit/contacts", unitCall(ok, s.Service.Contacts))
	a.PUT("/units/:unit/contacts", unitBodyCall(ok, s.Service.SetContacts))
}

// submissionRoutes: the indicator tables and their workflow.
func (s *Server) submissionRoutes(a *gin.RouterGroup) {
	svc := s.Service
	a.GET("/plans/:year/submissions", yearCall(ok, svc.Submissions))
	a.POST("/plans/:year/release", yearCall(ok, svc.Release))
	sub := a.Group("/plans/:year/units/:unit/submission")
	sub.GET("", s.handleGetSubmission)
	sub.PUT("", s.handlePutSubmission)
	sub.POST("/validate", s.handleValidate)
	sub.POST("/submit", yearUnitBodyCall(ok, true, svc.Submit))
	sub.POST("/return", yearUnitBodyCall(ok, false, svc.Return))
	sub.POST("/certify", yearUnitBodyCall(ok, true, svc.Certify))
	sub.GET("/history", yearUnitCall(ok, svc.History))
	sub.POST("/received", yearUnitBodyCall(ok, false, svc.RecordReceipt))
	sub.DELETE("/received", yearUnitCall(http.StatusNoContent, noContent(svc.ClearReceipt)))
	sub.GET("/export.xlsx", s.handleExportSubmission)
}

// nodeRoutes: nodes, evidence, reviews, progress and monthly counts.
func (s *Server) nodeRoutes(a *gin.RouterGroup) {
	a.GET("/plans/:year/units/:unit/nodes", s.handleNodes)
	a.GET("/plans/:year/reviews", s.handleReviewQueue)
	a.POST("/plans/:year/reviews/batch", s.handleReviewBatch)
	a.GET("/plans/:year/evidence.zip", s.handleEvidenceZip)
	a.GET("/plans/:year/progress", yearCall(ok, s.Service.Progress))
	a.GET("/nodes/:id", idCall(ok, "节点", s.Service.Node))
	a.POST("/nodes/:id/review", s.handleReview)
	a.GET("/evidence/:id", s.handleDownload)
	a.DELETE("/evidence/:id", s.handleWithdraw)
	a.PUT("/plans/:year/units/:unit/monthly/:month", s.handlePutMonthly)
	a.GET("/plans/:year/units/:unit/monthly/:month", s.handleMonthlyHistory)
	a.GET("/plans/:year/monthly/:month", s.handleMonthly)
	a.GET("/plans/:year/monthly", s.handleMonthlyComparison)
}

// scoringRoutes: deductions, scoring runs, results and their exports.
func (s *Server) scoringRoutes(a *gin.RouterGroup) {
	svc := s.Service
	a.GET("/plans/:year/units/:unit/deductions", yearUnitCall(ok, svc.Deductions))
	a.POST("/plans/:year/units/:unit/deductions", yearUnitBodyCall(created, false, svc.AddDeduction))
	a.DELETE("/plans/:year/units/:unit/deductions/:id", yearUnitIDRemove("扣分", svc.DeleteDeduction))
	a.GET("/plans/:year/units/:unit/result", yearUnitCall(ok, svc.UnitResult))
	a.GET("/plans/:year/scoring-runs", yearCall(ok, svc.ScoringRuns))
	a.POST("/plans/:year/scoring-runs", yearCall(created, svc.RunScoring))
	a.GET("/plans/:year/scoring-runs/:id", yearIDCall(ok, "计分", svc.ScoringRun))
	a.POST("/plans/:year/scoring-runs/:id/publish", yearIDCall(ok, "计分", svc.PublishScoring))
	a.GET("/plans/:year/scoring-runs/:id/export.xlsx", s.handleExportRanking)
	a.GET("/plans/:year/scoring-runs/:id/export.csv", s.handleExportRankingCSV)
	a.GET("/plans/:year/scoring-runs/:id/diff", s.handleRunDiff)
}

// contestRoutes: waivers of deductions, objections to a published result
// and their answers (filing an objection is an upload, registered with the
// uploads).
func (s *Server) contestRoutes(a *gin.RouterGroup) {
	svc := s.Service
	a.GET("/plans/:year/units/:unit/waivers", yearUnitCall(ok, svc.Waivers))
	a.POST("/plans/:year/units/:unit/waivers", yearUnitBodyCall(created, false, svc.AddWaiver))
	a.DELETE("/plans/:year/units/:unit/waivers/:id", yearUnitIDRemove("减免", svc.WithdrawWaiver))
	a.GET("/plans/:year/units/:unit/objections", yearUnitCall(ok, svc.Objections))
	a.GET("/plans/:year/objections", s.handleObjectionQueue)
	a.GET("/objections/:id", idCall(ok, "异议", svc.Objection))
	a.POST("/objections/:id/answer", s.handleAnswerObjection)
	a.GET("/objections/:id/files/:file", s.handleObjectionFile)
}

// handleReady checks the database and the evidence store at once, within
// 3 s, and names each one's state: 200 when both answer, else 503.
func (s *Server) handleReady(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	db, files := s.Service.Ready(ctx)
	body, status := gin.H{"status": "ready"}, http.StatusOK
	for _, part := range []struct {
		name string
		err  error
	}{{"database", db}, {"evidence", files}} {
		if part.err != nil {
			s.Log.Warn("not ready", "check", part.name, "err", part.err)
			body[part.name], body["status"], status = "unavailable", part.name+" unavailable", http.StatusServiceUnavailable
		} else {
			body[part.name] = "ok"
		}
	}
	c.JSON(status, body)
}

func (s *Server) recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				s.Log.Error("panic", "path", c.Request.URL.Path, "panic", v)
				writeError(c, workflow.Errorf(workflow.EINTERNAL, "内部错误"))
			}
		}()
		c.Next()
	}
}

func (s *Server) logger() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Set(keyLog, s.Log)
		c.Next()
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		s.Log.Log(c.Request.Context(), level, "http",
			"method", c.Request.Method, "path", c.Request.URL.Path, "route", c.FullPath(),
			"status", c.Writer.Status(), "ms", time.Since(start).Milliseconds(),
			"user", actorOf(c).Username)
	}
}

// limitHeaders refuses a request whose request line and headers are over
// maxHeader bytes (431) or whose query string is over maxQuery bytes (414),
// in the error shape. net/http refuses headers past
// http.Server.MaxHeaderBytes by itself, in plain text, before any handler:
// the server sets that limit above this one (cmd/kaohe), so that this
// answer is the one clients see.
func limitHeaders(maxHeader, maxQuery int) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if len(r.URL.RawQuery) > maxQuery {
			writeRefusal(c, http.StatusRequestURITooLong, codeURITooLong, fmt.Sprintf("查询字符串超过%d字节的上限", maxQuery))
			return
		}
		n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + len(r.Host) + 10
		for k, vs := range r.Header {
			for _, v := range vs {
				n += len(k) + len(v) + 4
			}
		}
		if n > maxHeader {
			writeRefusal(c, http.StatusRequestHeaderFieldsTooLarge, codeHeadersTooLarge, fmt.Sprintf("请求头超过%d字节的上限", maxHeader))
			return
		}
		c.Next()
	}
}
