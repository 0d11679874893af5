// Command oracle executes Go text/template cases for alertsift's template tests: it reads a JSON array
// of {"tmpl", "data", "missingkey"} from stdin and writes a JSON array of {"out"} or {"err"}.
//
// It uses only the standard library: the data is decoded from JSON with a few markers for Go types that
// JSON cannot express ({"$float": 2} for a float64 with an integral value, {"$kv": {...}} for a
// map[string]string, {"$strings": [...]} for a []string, {"$time": "RFC 3339"} for a time.Time).
// Alertmanager's functions that need only the standard library are provided as written in its docs
// (toUpper, toLower, trimSpace, join, match, reReplaceAll, stringSlice, urlUnescape, safeHtml, date, tz,
// toJson); title and humanizeDuration are left out (they come from golang.org/x/text and
// prometheus/common).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"text/template"
	"time"
)

type testCase struct {
	Tmpl       string          `json:"tmpl"`
	Data       json.RawMessage `json:"data"`
	MissingKey string          `json:"missingkey"`
}

type result struct {
	Out *string `json:"out,omitempty"`
	Err *string `json:"err,omitempty"`
}

func convert(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if f, ok := x["$float"]; ok && len(x) == 1 {
			n, _ := f.(json.Number).Float64()
			return n
		}
		if kv, ok := x["$kv"]; ok && len(x) == 1 {
			m := map[string]string{}
			for k, s := range kv.(map[string]any) {
				m[k] = s.(string)
			}
			return m
		}
		if ss, ok := x["$strings"]; ok && len(x) == 1 {
			out := []string{}
			for _, s := range ss.([]any) {
				out = append(out, s.(string))
			}
			return out
		}
		if t, ok := x["$time"]; ok && len(x) == 1 {
			tt, err := time.Parse(time.RFC3339Nano, t.(string))
			if err != nil {
				panic(err)
			}
			return tt
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = convert(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convert(e)
		}
		return out
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	default:
		return v
	}
}

var funcs = template.FuncMap{
	"toUpper":   strings.ToUpper,
	"toLower":   strings.ToLower,
	"trimSpace": strings.TrimSpace,
	"join":      func(sep string, s []string) string { return strings.Join(s, sep) },
	"match":     regexp.MatchString,
	"reReplaceAll": func(pattern, repl, text string) string {
		return regexp.MustCompile(pattern).ReplaceAllString(text, repl)
	},
	"stringSlice": func(s ...string) []string { return s },
	"urlUnescape": url.QueryUnescape,
	"safeHtml":    func(s string) string { return s },
	"date":        func(f string, t time.Time) string { return t.Format(f) },
	"tz": func(name string, t time.Time) (time.Time, error) {
		loc, err := time.LoadLocation(name)
		if err != nil {
			return time.Time{}, err
		}
		return t.In(loc), nil
	},
	"toJson": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}

func run(c testCase) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	var data any
	if len(c.Data) > 0 {
		dec := json.NewDecoder(bytes.NewReader(c.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			return "", err
		}
		data = convert(data)
	}
	t := template.New("t").Funcs(funcs)
	if c.MissingKey != "" {
		t = t.Option("missingkey=" + c.MissingKey)
	}
	t, err = t.Parse(c.Tmpl)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	err = t.Execute(&buf, data)
	return buf.String(), err
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	results := make([]result, len(cases))
	for i, c := range cases {
		out, err := run(c)
		if err != nil {
			msg := err.Error()
			results[i].Err = &msg
		} else {
			results[i].Out = &out
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
