package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"kaohe/internal/sheets"
	"kaohe/workflow"
)

// scoringRun reads :year and :id and loads the run, or answers the error.
func (s *Server) scoringRun(c *gin.Context) (*workflow.ScoringRun, bool) {
	year, id, ok := yearIDParams(c, "计分")
	if !ok {
		return nil, false
	}
	run, err := s.Service.ScoringRun(c.Request.Context(), actorOf(c), year, id)
	if err != nil {
		writeError(c, err)
		return nil, false
	}
	return run, true
}

func (s *Server) handleExportRanking(c *gin.Context) {
	run, ok := s.scoringRun(c)
	if !ok {
		return
	}
	p, err := s.Service.Plan(c.Request.Context(), run.Year)
	if err != nil {
		writeError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := sheets.Ranking(p, run, &buf); err != nil {
		writeError(c, err)
		return
	}
	attachment(c, sheets.XLSXType, fmt.Sprintf("%d年度实绩考核结果-第%d次计分.xlsx", run.Year, run.ID),
		fmt.Sprintf("kaohe-%d-run-%d.xlsx", run.Year, run.ID), buf.Bytes())
}

func (s *Server) handleExportRankingCSV(c *gin.Context) {
	run, ok := s.scoringRun(c)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := sheets.RankingCSV(run, &buf); err != nil {
		writeError(c, err)
		return
	}
	attachment(c, "text/csv; charset=utf-8", fmt.Sprintf("%d年度实绩考核结果-第%d次计分.csv", run.Year, run.ID),
		fmt.Sprintf("kaohe-%d-run-%d.csv", run.Year, run.ID), buf.Bytes())
}

func (s *Server) handleExportSubmission(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	ctx, a, unit := c.Request.Context(), actorOf(c), c.Param("unit")
	v, err := s.Service.GetSubmission(ctx, a, year, unit)
	if err != nil {
		writeError(c, err)
		return
	}
	u, err := s.Service.Unit(ctx, a, unit)
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := s.Service.Plan(ctx, year)
	if err != nil {
		writeError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := sheets.Submission(p, u.Name, &v.Document, &buf); err != nil {
		writeError(c, err)
		return
	}
	attachment(c, sheets.XLSXType, fmt.Sprintf("%d年度实绩考核指标表-%s.xlsx", year, u.Name),
		fmt.Sprintf("kaohe-%d-%s.xlsx", year, unit), buf.Bytes())
}

// handleImportSubmission reads a unit's tables into its draft: kaohe's own
// export.xlsx, or annexes 1–3 filled in Excel (.xlsx) or Word (.docx),
// sent as the request body or as the multipart field "file"
// (sheets.ReadTables). ?version= is the version last read (0 to create),
// as for PUT.
func (s *Server) handleImportSubmission(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	version, err := strconv.Atoi(c.Query("version"))
	if err != nil {
		writeError(c, &workflow.Error{Code: workflow.EINVALID, Message: "缺少 version：新建时为0，修改时为最近一次读取的版本",
			Details: []workflow.Violation{{Path: "version", Rule: "version.missing", Message: "缺少 version"}}})
		return
	}
	ctx, a, unit := c.Request.Context(), actorOf(c), c.Param("unit")
	// Who may write, and whether the draft can take it, before the file is
	// read or parsed.
	if err := s.Service.CheckSave(ctx, a, year, unit); err != nil {
		writeError(c, err)
		return
	}
	body, err := importFile(c, "请以 file 字段上传.docx或.xlsx文件")
	if err != nil {
		writeError(c, bodyError(err))
		return
	}
	p, err := s.Service.Plan(ctx, year)
	if err != nil {
		writeError(c, err)
		return
	}
	doc, err := sheets.ReadTables(p, body)
	if err != nil {
		writeError(c, err)
		return
	}
	v, created, err := s.Service.PutSubmission(ctx, a, year, unit, version, *doc)
	respond(c, createdOr(created, http.StatusOK), v, err)
}
