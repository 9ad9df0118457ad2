package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Every JSON handler reads the same way: read the path, bind the body,
// call the service as the signed-in actor, respond. The adapters below are
// that one sequence for the shapes of path the API has, so that most
// routes are one line in the route table and the sequence is written once.

// respond answers v with status, or err in the error shape.
func respond[T any](c *gin.Context, status int, v T, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	if status == http.StatusNoContent {
		c.Status(status)
		return
	}
	c.JSON(status, v)
}

// respondValid answers a check: its error, or 200 with valid true and the
// warnings (a list, never null).
func respondValid(c *gin.Context, warns []workflow.Violation, err error) {
	if warns == nil {
		warns = []workflow.Violation{}
	}
	respond(c, http.StatusOK, gin.H{"valid": true, "warnings": warns}, err)
}

// actorCall is a service call that needs only the actor.
func actorCall[T any](status int, call func(context.Context, service.Actor) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, err := call(c.Request.Context(), actorOf(c))
		respond(c, status, v, err)
	}
}

// yearCall is a service call on the plan of :year.
func yearCall[T any](status int, call func(context.Context, service.Actor, int) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if year, ok := yearParam(c); ok {
			v, err := call(c.Request.Context(), actorOf(c), year)
			respond(c, status, v, err)
		}
	}
}

// unitCall is a service call on :unit.
func unitCall[T any](status int, call func(context.Context, service.Actor, string) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, err := call(c.Request.Context(), actorOf(c), c.Param("unit"))
		respond(c, status, v, err)
	}
}

// yearUnitCall is a service call on :unit in the plan of :year.
func yearUnitCall[T any](status int, call func(context.Context, service.Actor, int, string) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if year, ok := yearParam(c); ok {
			v, err := call(c.Request.Context(), actorOf(c), year, c.Param("unit"))
			respond(c, status, v, err)
		}
	}
}

// idCall is a service call on the record :id, named what in messages.
func idCall[T any](status int, what string, call func(context.Context, service.Actor, int64) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if id, ok := idParam(c, what); ok {
			v, err := call(c.Request.Context(), actorOf(c), id)
			respond(c, status, v, err)
		}
	}
}

// yearIDCall is a service call on the record :id, named what in messages,
// of the plan of :year.
func yearIDCall[T any](status int, what string, call func(context.Context, service.Actor, int, int64) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if year, id, ok := yearIDParams(c, what); ok {
			v, err := call(c.Request.Context(), actorOf(c), year, id)
			respond(c, status, v, err)
		}
	}
}

// yearUnitIDRemove is a service call that removes the record :id, named
// what in messages, of :unit in the plan of :year; it answers 204.
func yearUnitIDRemove(what string, call func(context.Context, service.Actor, int, string, int64) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if year, id, ok := yearIDParams(c, what); ok {
			err := call(c.Request.Context(), actorOf(c), year, c.Param("unit"), id)
			respond(c, http.StatusNoContent, struct{}{}, err)
		}
	}
}

// bodyCall is a service call with the JSON body as its input.
func bodyCall[In, T any](status int, call func(context.Context, service.Actor, In) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if bind(c, &in, false) {
			v, err := call(c.Request.Context(), actorOf(c), in)
			respond(c, status, v, err)
		}
	}
}

// unitBodyCall is a service call on :unit with the JSON body as its input.
func unitBodyCall[In, T any](status int, call func(context.Context, service.Actor, string, In) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if bind(c, &in, false) {
			v, err := call(c.Request.Context(), actorOf(c), c.Param("unit"), in)
			respond(c, status, v, err)
		}
	}
}

// yearUnitBodyCall is a service call on :unit in the plan of :year with
// the JSON body as its input; an empty body is the zero input when
// allowEmpty.
func yearUnitBodyCall[In, T any](status int, allowEmpty bool, call func(context.Context, service.Actor, int, string, In) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if year, ok := yearBody(c, &in, allowEmpty); ok {
			v, err := call(c.Request.Context(), actorOf(c), year, c.Param("unit"), in)
			respond(c, status, v, err)
		}
	}
}

// noContent turns a call that returns only an error into one with an empty
// result, for 204 answers.
func noContent[A, B any](call func(context.Context, service.Actor, A, B) error) func(context.Context, service.Actor, A, B) (struct{}, error) {
	return func(ctx context.Context, a service.Actor, x A, y B) (struct{}, error) {
		return struct{}{}, call(ctx, a, x, y)
	}
}

// yearParam reads :year; a non-number is a plan that does not exist.
func yearParam(c *gin.Context) (int, bool) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		writeError(c, workflow.Errorf(workflow.ENOTFOUND, "没有“%s”年度的考核方案", c.Param("year")))
		return 0, false
	}
	return y, true
}

// yearBody reads :year and binds the JSON body into in, as bind does; on
// false the answer is written.
func yearBody(c *gin.Context, in any, allowEmpty bool) (int, bool) {
	year, ok := yearParam(c)
	return year, ok && bind(c, in, allowEmpty)
}

// queryParam parses the query parameter name with parse into *dst when it
// is given (otherwise *dst keeps its zero value); on false parse's error is
// written.
func queryParam[T any](c *gin.Context, name string, dst *T, parse func(string) (T, error)) bool {
	v := c.Query(name)
	if v == "" {
		return true
	}
	x, err := parse(v)
	if err != nil {
		writeError(c, err)
		return false
	}
	*dst = x
	return true
}

// parseCheckpoint parses a checkpoint given in a query (EINVALID when it
// is not a date).
func parseCheckpoint(v string) (workflow.Date, error) {
	d, err := workflow.ParseDate(v)
	if err != nil {
		return d, workflow.Errorf(workflow.EINVALID, "checkpoint 应为日期 YYYY-MM-DD")
	}
	return d, nil
}

// idParam reads :id; a non-number is a record that does not exist.
func idParam(c *gin.Context, what string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(c, workflow.Errorf(workflow.ENOTFOUND, "%s“%s”不存在", what, c.Param("id")))
		return 0, false
	}
	return id, true
}

// yearIDParams reads :year and :id (yearParam, idParam); on false the
// answer is written.
func yearIDParams(c *gin.Context, what string) (int, int64, bool) {
	year, ok := yearParam(c)
	if !ok {
		return 0, 0, false
	}
	id, ok := idParam(c, what)
	return year, id, ok
}

// bind decodes a JSON body into v strictly: a body that is not
// application/json is 415; malformed JSON, a field v does not have, a value
// of the wrong type (a number sent as a string among them), a null or a
// second value are 400 with the field's path; a body over the limit is
// 413. An empty body is allowed only when allowEmpty, and leaves v as it
// is.
func bind(c *gin.Context, v any, allowEmpty bool) bool {
	b, ok := readBody(c)
	if !ok {
		return false
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		if allowEmpty {
			return true
		}
		writeError(c, workflow.Errorf(workflow.EINVALID, "请求内容为空，应为JSON"))
		return false
	}
	if !isJSON(c) {
		writeError(c, workflow.Errorf(workflow.EUNSUPPORTED, "请求内容应为JSON（Content-Type: application/json）"))
		return false
	}
	if err := decodeStrict(b, v); err != nil {
		writeError(c, err)
		return false
	}
	return true
}

// isJSON reports whether the request says its body is JSON.
func isJSON(c *gin.Context) bool {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// decodeStrict decodes one JSON value into v, refusing unknown fields (at
// any depth), a name given twice, invalid UTF-8, a value of the wrong type
// (a number sent as a string among them), a top-level null and anything
// after the value, with EINVALID and the path of the field at fault.
// It decodes with go-json-experiment/json (the proposed encoding/json/v2,
// in the standard library only behind GOEXPERIMENT=jsonv2), whose errors
// carry the JSON pointer of the value at fault at every depth; encoding/json
// names only the unknown field, not where it is.
func decodeStrict(b []byte, v any) error {
	if string(b) == "null" {
		return workflow.Errorf(workflow.EINVALID, "请求内容不能为 null")
	}
	if err := jsonv2.Unmarshal(b, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError turns a decoding error into EINVALID with the path of the
// value at fault.
func jsonError(err error) error {
	var pe *workflow.PointsError
	var se *jsonv2.SemanticError
	var sx *jsontext.SyntacticError
	e := &workflow.Error{Code: workflow.EINVALID}
	path := ""
	switch {
	case errors.As(err, &se):
		path = jsonPath(se.JSONPointer)
	case errors.As(err, &sx):
		path = jsonPath(sx.JSONPointer)
	}
	rule := "json.type"
	switch {
	case errors.As(err, &pe):
		rule = "json.points"
		e.Message = "分值格式错误：" + pe.Error()
	case se != nil && errors.Is(se.Err, jsonv2.ErrUnknownName):
		rule = "json.unknown_field"
		e.Message = fmt.Sprintf("未知字段“%s”", path)
	case se != nil && se.GoType != nil:
		e.Message = fmt.Sprintf("字段 %s 应为 %s", path, typeName(se.GoType))
	case sx != nil && errors.Is(sx.Err, jsontext.ErrDuplicateName):
		rule = "json.duplicate_field"
		e.Message = fmt.Sprintf("字段“%s”重复", path)
	case sx != nil:
		rule = "json.syntax"
		e.Message = fmt.Sprintf("请求内容不是有效的JSON（第%d字节）", sx.ByteOffset)
	default:
		e.Message = "请求内容不是有效的JSON"
	}
	if path != "" {
		e.Details = []workflow.Violation{{Path: path, Rule: rule, Message: e.Message}}
	}
	return e
}

// jsonPath writes a JSON pointer as the API writes paths:
// /party/0/works/1/title is party[0].works[1].title.
func jsonPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// typeName is a Go type as a client knows it.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.String:
		return "字符串"
	case reflect.Bool:
		return "true 或 false"
	case reflect.Slice, reflect.Array:
		return "数组"
	case reflect.Map, reflect.Struct:
		return "对象"
	case reflect.Pointer:
		return typeName(t.Elem())
	}
	return t.String()
}

// readBody reads the whole body within its limit: over the limit is 413.
func readBody(c *gin.Context) ([]byte, bool) {
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		writeError(c, bodyError(err))
		return nil, false
	}
	return b, true
}

// importFile reads the file of an import: the multipart field "file", or
// the whole body otherwise. A file over maxImportBytes is ETOOLARGE, a
// form without the field EINVALID with the message missing; read errors
// are returned as they are (bodyError turns them into the API's terms).
func importFile(c *gin.Context, missing string) ([]byte, error) {
	if c.ContentType() != "multipart/form-data" {
		return readImport(c.Request.Body)
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, workflow.Errorf(workflow.EINVALID, "%s", missing)
		}
		if err != nil {
			return nil, err
		}
		if part.FormName() == "file" {
			return readImport(part)
		}
		part.Close()
	}
}

// readImport reads r to its end, at most maxImportBytes (else ETOOLARGE).
func readImport(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err == nil && len(b) > maxImportBytes {
		err = workflow.Errorf(workflow.ETOOLARGE, "导入文件不能超过%d字节", maxImportBytes)
	}
	return b, err
}

// bodyError turns an error reading a body into the API's terms: a body
// over its limit is 413 naming the limit, a *workflow.Error stays itself,
// anything else is a malformed request.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	var we *workflow.Error
	switch {
	case errors.As(err, &mbe):
		return workflow.Errorf(workflow.ETOOLARGE, "请求内容超过%d字节的上限", mbe.Limit)
	case errors.As(err, &we):
		return err
	}
	return workflow.Errorf(workflow.EINVALID, "无法读取请求内容")
}

// limitBody bounds the body of every request of a route at n bytes,
// whatever its Content-Type.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}
