package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"kaohe/internal/sheets"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

func (s *Server) handlePlans(c *gin.Context) {
	ps, err := s.Service.Plans(c.Request.Context())
	respond(c, http.StatusOK, ps, err)
}

func (s *Server) handlePlan(c *gin.Context) {
	if p, _, ok := s.planInForce(c, "没有%d年度的考核方案"); ok {
		c.JSON(http.StatusOK, p)
	}
}

// planInForce reads :year and the plan in force for it; a missing plan is
// ENOTFOUND with the message missing (a format for the year). On false the
// answer is written.
func (s *Server) planInForce(c *gin.Context, missing string) (*workflow.Plan, int, bool) {
	year, ok := yearParam(c)
	if !ok {
		return nil, 0, false
	}
	p, err := s.Service.Plan(c.Request.Context(), year)
	if err != nil {
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			err = workflow.Errorf(workflow.ENOTFOUND, missing, year)
		}
		writeError(c, err)
		return nil, 0, false
	}
	return p, year, true
}

// checkPlanInput is the body of a plan check: a whole plan document, or
// nothing to check the year's latest version.
type checkPlanInput struct {
	Plan *workflow.Plan `json:"plan"`
}

// handleCheckPlan answers 200 with the warnings when the plan has no
// problem, 422 with every problem otherwise, as the tables' validate does.
func (s *Server) handleCheckPlan(c *gin.Context) {
	var in checkPlanInput
	year, ok := yearBody(c, &in, true)
	if !ok {
		return
	}
	warns, err := s.Service.CheckPlanDocument(c.Request.Context(), actorOf(c), year, in.Plan)
	respondValid(c, warns, err)
}

// handlePlanYAML sends one version as a plan file (kaohe plan check and
// kaohe plan import read it; so does KAOHE_PLANS_DIR).
func (s *Server) handlePlanYAML(c *gin.Context) {
	year, version, ok := versionParams(c)
	if !ok {
		return
	}
	v, err := s.Service.PlanVersion(c.Request.Context(), actorOf(c), year, version)
	if err != nil {
		writeError(c, err)
		return
	}
	b, err := workflow.EncodePlanYAML(v.Plan)
	if err != nil {
		writeError(c, err)
		return
	}
	attachment(c, "application/yaml; charset=utf-8", fmt.Sprintf("%d年度考核方案-第%d版.yaml", year, v.Version),
		fmt.Sprintf("kaohe-plan-%d-v%d.yaml", year, v.Version), b)
}

// handleBlankAnnexes sends the blank annexes 1–3 of the plan in force, as
// a workbook or a Word document, for the office to circulate.
func (s *Server) handleBlankAnnexes(format string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, year, ok := s.planInForce(c, "%d年度的考核方案尚未发布")
		if !ok {
			return
		}
		var buf bytes.Buffer
		write, mime := sheets.BlankAnnexes, sheets.XLSXType
		if format == "docx" {
			write, mime = sheets.BlankAnnexesDOCX, sheets.DOCXType
		}
		if err := write(p, &buf); err != nil {
			writeError(c, err)
			return
		}
		attachment(c, mime, fmt.Sprintf("%d年度实绩考核指标表（附件1-3）.%s", year, format), fmt.Sprintf("kaohe-%d-annexes.%s", year, format), buf.Bytes())
	}
}

// versionParams reads :year and :version ("latest" is 0, the newest); a
// version that is not a number is one that does not exist.
func versionParams(c *gin.Context) (year, version int, ok bool) {
	if year, ok = yearParam(c); !ok {
		return 0, 0, false
	}
	if c.Param("version") == "latest" {
		return year, 0, true
	}
	v, err := strconv.Atoi(c.Param("version"))
	if err != nil || v <= 0 {
		writeError(c, workflow.Errorf(workflow.ENOTFOUND, "%d年度的考核方案没有第“%s”版", year, c.Param("version")))
		return 0, 0, false
	}
	return year, v, true
}

// versionCall is a service call on version :version of the plan of :year.
func versionCall[T any](status int, call func(context.Context, service.Actor, int, int) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if year, v, ok := versionParams(c); ok {
			out, err := call(c.Request.Context(), actorOf(c), year, v)
			respond(c, status, out, err)
		}
	}
}

// versionBodyCall is a service call on version :version of the plan of
// :year with the JSON body as its input; an empty body is the zero input.
func versionBodyCall[In, T any](status int, call func(context.Context, service.Actor, int, int, In) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		year, v, ok := versionParams(c)
		var in In
		if ok && bind(c, &in, true) {
			out, err := call(c.Request.Context(), actorOf(c), year, v, in)
			respond(c, status, out, err)
		}
	}
}

// yearBodyCall is a service call on the plan of :year with the JSON body
// as its input.
func yearBodyCall[In, T any](status int, call func(context.Context, service.Actor, int, In) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if year, ok := yearBody(c, &in, false); ok {
			out, err := call(c.Request.Context(), actorOf(c), year, in)
			respond(c, status, out, err)
		}
	}
}
