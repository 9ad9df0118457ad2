package sheets

import (
	"bytes"
	"encoding/csv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"kaohe/workflow"
)

// ReadCounts reads the rows of a member-count file exported by the member
// information system: CSV (UTF-8, with or without BOM, or GB18030 as Excel
// saves it in China) or XLSX (its first sheet). The unit is in the first
// column and the count in the second, unless a header row names the
// columns: 单位/单位代码/单位名称/unit/code/name, 月份/month (optional, as
// 2019-06) and 数量/人数/count. Empty rows are skipped; line numbers are the
// file's. The rows are not checked against units or plans: that is the
// service's import.
func ReadCounts(b []byte) ([]workflow.ImportRow, error) {
	table, err := readTable(b)
	if err != nil {
		return nil, err
	}
	cols := countColumns{unit: 0, month: -1, count: 1}
	var rows []workflow.ImportRow
	header := true
	for i, rec := range table {
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if header {
			header = false
			if c, ok := headerColumns(rec); ok {
				cols = c
				continue
			}
		}
		rows = append(rows, workflow.ImportRow{Line: i + 1, Unit: cellOf(rec, cols.unit), Month: cellOf(rec, cols.month), Count: cellOf(rec, cols.count)})
	}
	return rows, nil
}

// readTable reads the cells of a CSV or XLSX file.
func readTable(b []byte) ([][]string, error) {
	switch {
	case len(b) == 0:
		return nil, workflow.Errorf(workflow.EINVALID, "导入文件为空")
	case bytes.HasPrefix(b, oleMagic):
		// As the tables import answers: the old binary formats are not read.
		return nil, workflow.Errorf(workflow.EUNSUPPORTED, "这是旧版Excel文件（.xls），请另存为.xlsx或CSV后再导入")
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		f, err := openWorkbook(b)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, workflow.Errorf(workflow.EINVALID, "XLSX文件没有工作表")
		}
		table, err := f.GetRows(sheets[0])
		if err != nil {
			return nil, workflow.Errorf(workflow.EINVALID, "无法读取XLSX文件")
		}
		return table, nil
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			return nil, workflow.Errorf(workflow.EINVALID, "无法识别CSV文件的编码（应为UTF-8或GB18030）")
		}
		b = dec
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	table, err := r.ReadAll()
	if err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "CSV文件格式错误：%s", err)
	}
	return table, nil
}

// countColumns are the columns of a member-count file (-1: absent).
type countColumns struct{ unit, month, count int }

// headerColumns finds the columns of a header row; it is a header when it
// names at least the unit and the count.
func headerColumns(rec []string) (countColumns, bool) {
	c := countColumns{-1, -1, -1}
	for j, h := range rec {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case c.unit < 0 && (strings.Contains(h, "单位") || h == "unit" || h == "code" || h == "name"):
			c.unit = j
		case c.month < 0 && (strings.Contains(h, "月份") || h == "month"):
			c.month = j
		case c.count < 0 && (strings.Contains(h, "数量") || strings.Contains(h, "人数") || h == "count"):
			c.count = j
		}
	}
	return c, c.unit >= 0 && c.count >= 0
}

func cellOf(rec []string, j int) string {
	if j >= 0 && j < len(rec) {
		return strings.TrimSpace(rec[j])
	}
	return ""
}
