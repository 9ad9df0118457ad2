package sheets

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"kaohe/workflow"
)

// DOCXType is the media type of a .docx file.
const DOCXType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// BlankAnnexesDOCX writes the blank annexes 1–3 of p as a Word document
// (Office Open XML, written with archive/zip and encoding/xml): one
// landscape page per annex, as the notice prints them, each with its
// number, title, unit line, table and 备注. Cells that span rows are
// merged vertically (w:vMerge).
func BlankAnnexesDOCX(p *workflow.Plan, w io.Writer) error {
	var body strings.Builder
	for i, t := range blankLayout(p) {
		if i > 0 {
			body.WriteString(`<w:p><w:r><w:br w:type="page"/></w:r></w:p>`)
		}
		docxTable(&body, t)
	}
	zw := zip.NewWriter(w)
	for _, part := range []struct{ name, content string }{
		{"[Content_Types].xml", docxContentTypes},
		{"_rels/.rels", docxRels},
		{"word/document.xml", docxHead + body.String() + docxSection + docxTail},
	} {
		fw, err := zw.Create(part.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(fw, part.content); err != nil {
			return err
		}
	}
	return zw.Close()
}

// Page geometry in twentieths of a point: A4 landscape with 2 cm margins.
const (
	docxPageW  = 16838
	docxPageH  = 11906
	docxMargin = 1134
	docxTableW = docxPageW - 2*docxMargin
)

func docxTable(b *strings.Builder, t blankTable) {
	docxPara(b, fmt.Sprintf("附件%d", t.Annex), "", false, 24)
	docxPara(b, t.Title, "center", true, 32)
	docxPara(b, unitLabel, "", false, 24)
	var total float64
	for _, w := range t.Widths {
		total += w
	}
	widths := make([]int, len(t.Widths))
	for i, w := range t.Widths {
		widths[i] = int(w / total * docxTableW)
	}
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="` + fmt.Sprint(docxTableW) + `" w:type="dxa"/><w:tblLayout w:type="fixed"/><w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		b.WriteString(`<w:` + side + ` w:val="single" w:sz="4" w:space="0" w:color="000000"/>`)
	}
	b.WriteString(`</w:tblBorders></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(b, `<w:gridCol w:w="%d"/>`, w)
	}
	b.WriteString(`</w:tblGrid>`)
	// The header repeats on every page the table runs over.
	b.WriteString(`<w:tr><w:trPr><w:tblHeader/></w:trPr>`)
	for i, h := range t.Header {
		docxCell(b, widths[i], "", h, true)
	}
	b.WriteString(`</w:tr>`)
	for _, row := range t.Rows {
		b.WriteString(`<w:tr><w:trPr><w:cantSplit/></w:trPr>`)
		for i, c := range row {
			merge := ""
			switch {
			case c.Span > 1:
				merge = "restart"
			case c.Span == 0:
				merge = "continue"
			}
			docxCell(b, widths[i], merge, c.Text, false)
		}
		b.WriteString(`</w:tr>`)
	}
	b.WriteString(`</w:tbl>`)
	if t.Note != "" {
		docxPara(b, t.Note, "", false, 21)
	}
}

// docxCell writes a cell; merge is "restart" for the first cell of a
// vertical merge, "continue" for the cells it covers, "" otherwise.
func docxCell(b *strings.Builder, width int, merge, text string, bold bool) {
	fmt.Fprintf(b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>`, width)
	if merge != "" {
		fmt.Fprintf(b, `<w:vMerge w:val="%s"/>`, merge)
	}
	b.WriteString(`<w:vAlign w:val="center"/></w:tcPr>`)
	align := ""
	if bold {
		align = "center"
	}
	docxPara(b, text, align, bold, 21)
	b.WriteString(`</w:tc>`)
}

// docxPara writes text as one paragraph, its lines separated by breaks;
// size is in half-points.
func docxPara(b *strings.Builder, text, align string, bold bool, size int) {
	b.WriteString(`<w:p><w:pPr>`)
	if align != "" {
		fmt.Fprintf(b, `<w:jc w:val="%s"/>`, align)
	}
	b.WriteString(`</w:pPr>`)
	for i, line := range strings.Split(text, "\n") {
		b.WriteString(`<w:r><w:rPr><w:rFonts w:ascii="宋体" w:eastAsia="宋体" w:hAnsi="宋体"/>`)
		if bold {
			b.WriteString(`<w:b/>`)
		}
		fmt.Fprintf(b, `<w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr>`, size, size)
		if i > 0 {
			b.WriteString(`<w:br/>`)
		}
		b.WriteString(`<w:t xml:space="preserve">`)
		xml.EscapeText(b, []byte(line)) // a strings.Builder never fails a write
		b.WriteString(`</w:t></w:r>`)
	}
	b.WriteString(`</w:p>`)
}

const docxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`

const docxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`

const docxHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`

var docxSection = fmt.Sprintf(`<w:sectPr><w:pgSz w:w="%d" w:h="%d" w:orient="landscape"/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>`,
	docxPageW, docxPageH, docxMargin, docxMargin, docxMargin, docxMargin)

const docxTail = `</w:body></w:document>`
