package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"kaohe/workflow"
)

type monthlyBody struct {
	Count json.RawMessage `json:"count"`
}

func (s *Server) handlePutMonthly(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	var body monthlyBody
	if !bind(c, &body, false) {
		return
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(body.Count)), 10, 64)
	if err != nil || n < 0 {
		writeError(c, &workflow.Error{Code: workflow.EVALIDATION, Message: "数量有误",
			Details: []workflow.Violation{{Path: "count", Rule: "monthly.count.invalid", Message: "会员实名制信息采集数量应为非负整数"}}})
		return
	}
	out, err := s.Service.PutMonthly(c.Request.Context(), actorOf(c), year, c.Param("unit"), c.Param("month"), n)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) handleMonthly(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	out, err := s.Service.Monthly(c.Request.Context(), actorOf(c), year, c.Param("month"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) handleMonthlyHistory(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	out, err := s.Service.MonthlyHistory(c.Request.Context(), actorOf(c), year, c.Param("unit"), c.Param("month"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
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
	data, err := importFile(c)
	if err != nil {
		writeError(c, uploadError(err))
		return
	}
	rows, err := parseCountRows(data)
	if err != nil {
		writeError(c, err)
		return
	}
	out, err := s.Service.ImportMonthly(c.Request.Context(), actorOf(c), year, c.Param("month"), rows)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func importFile(c *gin.Context) ([]byte, error) {
	if c.ContentType() != "multipart/form-data" {
		return io.ReadAll(c.Request.Body) // bounded by limitBody
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxImportBytes+1<<20)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, workflow.Errorf(workflow.EINVALID, "缺少文件：请以 file 字段上传CSV或XLSX文件")
		}
		if err != nil {
			return nil, err
		}
		if part.FormName() == "file" {
			b, err := io.ReadAll(io.LimitReader(part, maxImportBytes+1))
			if err == nil && len(b) > maxImportBytes {
				err = workflow.Errorf(workflow.ETOOLARGE, "导入文件不能超过%d字节", maxImportBytes)
			}
			return b, err
		}
		part.Close()
	}
}

// parseCountRows reads the rows of a CSV (UTF-8, with or without BOM, or
// GB18030 as Excel saves it in China) or an XLSX file (its first sheet).
// The unit is in the first column and the count in the second, unless a
// header row names them (单位/单位代码/单位名称/unit/code and
// 数量/人数/count). Empty rows are skipped; line numbers are the file's.
func parseCountRows(b []byte) ([]workflow.ImportRow, error) {
	var table [][]string
	switch {
	case len(b) == 0:
		return nil, workflow.Errorf(workflow.EINVALID, "导入文件为空")
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			return nil, workflow.Errorf(workflow.EUNSUPPORTED, "无法读取XLSX文件")
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, workflow.Errorf(workflow.EINVALID, "XLSX文件没有工作表")
		}
		if table, err = f.GetRows(sheets[0]); err != nil {
			return nil, workflow.Errorf(workflow.EUNSUPPORTED, "无法读取XLSX文件")
		}
	default:
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(b) {
			dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
			if err != nil {
				return nil, workflow.Errorf(workflow.EUNSUPPORTED, "无法识别CSV文件的编码（应为UTF-8或GB18030）")
			}
			b = dec
		}
		r := csv.NewReader(bytes.NewReader(b))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		var err error
		if table, err = r.ReadAll(); err != nil {
			return nil, workflow.Errorf(workflow.EINVALID, "CSV文件格式错误：%s", err)
		}
	}
	unitCol, countCol := 0, 1
	var rows []workflow.ImportRow
	header := true
	for i, rec := range table {
		cell := func(j int) string {
			if j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		if header {
			header = false
			if u, n, ok := headerColumns(rec); ok {
				unitCol, countCol = u, n
				continue
			}
		}
		rows = append(rows, workflow.ImportRow{Line: i + 1, Unit: cell(unitCol), Count: cell(countCol)})
	}
	return rows, nil
}

// headerColumns finds the unit and count columns of a header row.
func headerColumns(rec []string) (unit, count int, ok bool) {
	unit, count = -1, -1
	for j, h := range rec {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case unit < 0 && (strings.Contains(h, "单位") || h == "unit" || h == "code" || h == "name"):
			unit = j
		case count < 0 && (strings.Contains(h, "数量") || strings.Contains(h, "人数") || h == "count"):
			count = j
		}
	}
	return unit, count, unit >= 0 && count >= 0
}
