package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"kaohe/internal/sheets"
	"kaohe/workflow"
)

type monthlyBody struct {
	Count json.RawMessage `json:"count"`
}

func (s *Server) handlePutMonthly(c *gin.Context) {
	var body monthlyBody
	year, ok := yearBody(c, &body, false)
	if !ok {
		return
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(body.Count)), 10, 64)
	if err != nil || n < 0 {
		writeError(c, &workflow.Error{Code: workflow.EVALIDATION, Message: "数量有误",
			Details: []workflow.Violation{{Path: "count", Rule: "monthly.count.invalid", Message: "会员实名制信息采集数量应为非负整数"}}})
		return
	}
	out, err := s.Service.PutMonthly(c.Request.Context(), actorOf(c), year, c.Param("unit"), c.Param("month"), n)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) handleMonthly(c *gin.Context) {
	if year, ok := yearParam(c); ok {
		v, err := s.Service.Monthly(c.Request.Context(), actorOf(c), year, c.Param("month"))
		respond(c, http.StatusOK, v, err)
	}
}

func (s *Server) handleMonthlyHistory(c *gin.Context) {
	if year, ok := yearParam(c); ok {
		v, err := s.Service.MonthlyHistory(c.Request.Context(), actorOf(c), year, c.Param("unit"), c.Param("month"))
		respond(c, http.StatusOK, v, err)
	}
}

// handleImportMonthly reads a CSV or XLSX file, either as the "file" part of
// a multipart form or as the whole body, and imports its rows.
func (s *Server) handleImportMonthly(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	if a := actorOf(c); a.Role != workflow.RoleOffice {
		writeError(c, workflow.Errorf(workflow.EFORBIDDEN, "只有市总工会办公室可以导入会员实名制信息采集数量"))
		return
	}
	data, err := importFile(c, "缺少文件：请以 file 字段上传CSV或XLSX文件")
	if err != nil {
		writeError(c, bodyError(err))
		return
	}
	rows, err := sheets.ReadCounts(data)
	if err != nil {
		writeError(c, err)
		return
	}
	out, err := s.Service.ImportMonthly(c.Request.Context(), actorOf(c), year, c.Param("month"), rows)
	respond(c, http.StatusOK, out, err)
}
