package events

import (
	"encoding/json"
	"reflect"
	"strings"
)

// JSONSchema returns the JSON Schema (draft 2020-12) of an event's detail,
// derived from its Go type so that the two can never disagree. Fields
// without omitempty are required; unknown fields are not allowed.
func JSONSchema(e Event) ([]byte, error) {
	s := objectSchema(reflect.TypeOf(e).Elem())
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://souq.dev/schemas/events/" + e.DetailType() + ".json"
	s["title"] = e.DetailType()
	s["description"] = "Detail of the " + e.DetailType() + " event (source " + e.Source() + ", bus " + BusName + ")."
	return json.MarshalIndent(s, "", "  ")
}

func objectSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	collectFields(t, props, &required)
	return map[string]any{
		"type":                 "object",
		"properties":           props,
		"required":             required,
		"additionalProperties": false,
	}
}

func collectFields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" {
			collectFields(f.Type, props, required)
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		props[name] = typeSchema(f.Type)
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}

func typeSchema(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Pointer:
		return typeSchema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem())}
	case reflect.Struct:
		return objectSchema(t)
	}
	return map[string]any{}
}
