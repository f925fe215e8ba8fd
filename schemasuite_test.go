package configmgr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/jsonschema"
)

const suiteDir = "../shared/testdata/json-schema-test-suite"

// knownFailures lists the draft-7 cases of the official test suite that
// gojsonschema v1.2.0 gets wrong, each with the reason. The test fails if
// any other case fails, and also if one of these starts to pass, so that
// the list stays true.
var knownFailures = map[string]string{
	"format.json: date format: all string formats ignore floats":                                                                       "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: date format: all string formats ignore integers":                                                                     "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: date-time format: all string formats ignore floats":                                                                  "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: date-time format: all string formats ignore integers":                                                                "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: email format: all string formats ignore floats":                                                                      "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: email format: all string formats ignore integers":                                                                    "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: hostname format: all string formats ignore floats":                                                                   "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: hostname format: all string formats ignore integers":                                                                 "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: idn-email format: all string formats ignore floats":                                                                  "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: idn-email format: all string formats ignore integers":                                                                "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: ipv4 format: all string formats ignore floats":                                                                       "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: ipv4 format: all string formats ignore integers":                                                                     "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: ipv6 format: all string formats ignore floats":                                                                       "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: ipv6 format: all string formats ignore integers":                                                                     "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: iri format: all string formats ignore floats":                                                                        "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: iri format: all string formats ignore integers":                                                                      "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: iri-reference format: all string formats ignore floats":                                                              "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: iri-reference format: all string formats ignore integers":                                                            "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: json-pointer format: all string formats ignore floats":                                                               "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: json-pointer format: all string formats ignore integers":                                                             "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: regex format: all string formats ignore floats":                                                                      "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: regex format: all string formats ignore integers":                                                                    "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: relative-json-pointer format: all string formats ignore floats":                                                      "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: relative-json-pointer format: all string formats ignore integers":                                                    "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: time format: all string formats ignore floats":                                                                       "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: time format: all string formats ignore integers":                                                                     "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: uri format: all string formats ignore floats":                                                                        "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: uri format: all string formats ignore integers":                                                                      "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: uri-reference format: all string formats ignore floats":                                                              "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: uri-reference format: all string formats ignore integers":                                                            "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: uri-template format: all string formats ignore floats":                                                               "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"format.json: uri-template format: all string formats ignore integers":                                                             "gojsonschema applies string formats to numbers; draft 7 ignores non-strings",
	"maxItems.json: maxItems validation with a decimal: shorter is valid":                                                              "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"maxItems.json: maxItems validation with a decimal: too long is invalid":                                                           "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"maxLength.json: maxLength validation with a decimal: shorter is valid":                                                            "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"maxLength.json: maxLength validation with a decimal: too long is invalid":                                                         "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"maxProperties.json: maxProperties validation with a decimal: shorter is valid":                                                    "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"maxProperties.json: maxProperties validation with a decimal: too long is invalid":                                                 "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"minItems.json: minItems validation with a decimal: longer is valid":                                                               "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"minItems.json: minItems validation with a decimal: too short is invalid":                                                          "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"minLength.json: minLength validation with a decimal: longer is valid":                                                             "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"minLength.json: minLength validation with a decimal: too short is invalid":                                                        "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"minProperties.json: minProperties validation with a decimal: longer is valid":                                                     "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"minProperties.json: minProperties validation with a decimal: too short is invalid":                                                "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
	"ref.json: $ref prevents a sibling $id from changing the base uri: $ref resolves to /definitions/base_foo, data does not validate": "gojsonschema lets an $id beside $ref change the base URI; draft 7 ignores $ref's siblings",
	"ref.json: $ref prevents a sibling $id from changing the base uri: $ref resolves to /definitions/base_foo, data validates":         "gojsonschema lets an $id beside $ref change the base URI; draft 7 ignores $ref's siblings",
}

// engines are the schema engines, with the drafts each reads and its
// recorded failures.
var engines = []struct {
	name     string
	compiler func(resources map[string][]byte) configmgr.Compiler
	drafts   []string
	known    map[string]map[string]string // draft -> case -> reason
}{
	{"gojsonschema", func(r map[string][]byte) configmgr.Compiler { return configmgr.GoJSONSchema{Resources: r} },
		[]string{"draft4", "draft6", "draft7"}, map[string]map[string]string{"draft4": knownFailuresDraft4, "draft6": knownFailuresDraft6, "draft7": knownFailures}},
	{"jsonschema/v6", func(r map[string][]byte) configmgr.Compiler { return jsonschema.Compiler{Resources: r} },
		[]string{"draft4", "draft6", "draft7", "draft2019-09", "draft2020-12"}, map[string]map[string]string{}},
}

// TestJSONSchemaTestSuite runs the official JSON-Schema-Test-Suite (every
// required case of every draft each engine reads) through the validation
// layer: each engine's Compiler and Validator. A case that fails and is
// not recorded, or one recorded that passes, fails the test.
func TestJSONSchemaTestSuite(t *testing.T) {
	if _, err := os.Stat(filepath.Join(suiteDir, "tests")); err != nil {
		t.Skipf("the JSON-Schema-Test-Suite is not at %s (%v); CI has it there", suiteDir, err)
	}
	// The suite's remote references point at http://localhost:1234/; hand
	// them over as resources, and make sure nothing goes to the network.
	resources := map[string][]byte{}
	remotes := filepath.Join(suiteDir, "remotes")
	filepath.WalkDir(remotes, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			rel, _ := filepath.Rel(remotes, p)
			data, _ := os.ReadFile(p)
			// A remote in a draft's folder is of that draft.
			if draft, _, ok := strings.Cut(filepath.ToSlash(rel), "/"); ok {
				data = withDraft(data, draft)
			}
			resources["http://localhost:1234/"+filepath.ToSlash(rel)] = data
		}
		return nil
	})
	saved := http.DefaultTransport
	http.DefaultTransport = noNetwork{}
	t.Cleanup(func() { http.DefaultTransport = saved })
	for _, e := range engines {
		for _, draft := range e.drafts {
			t.Run(e.name+"/"+draft, func(t *testing.T) {
				passed, expected, failed := runSuite(t, filepath.Join(suiteDir, "tests", draft), e.compiler(resources), e.known[draft])
				sort.Strings(failed)
				for _, f := range failed {
					t.Errorf("unexpected failure: %s", f)
				}
				t.Logf("%s %s: %d cases pass, %d recorded failures, %d unexpected failures", e.name, draft, passed, expected, len(failed))
			})
		}
	}
}

// runSuite runs the required cases in dir, the suite's directory of one
// draft, with compiler.
func runSuite(t *testing.T, dir string, compiler configmgr.Compiler, known map[string]string) (passed, expected int, failed []string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no cases in %s", dir)
	}
	seen := map[string]bool{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var groups []struct {
			Description string
			Schema      json.RawMessage
			Tests       []struct {
				Description string
				Data        json.RawMessage
				Valid       bool
			}
		}
		if err := json.Unmarshal(data, &groups); err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			v, compileErr := compiler.Compile(withDraft(g.Schema, filepath.Base(dir)))
			for _, tc := range g.Tests {
				name := fmt.Sprintf("%s: %s: %s", filepath.Base(file), g.Description, tc.Description)
				seen[name] = true
				var why string
				if compileErr != nil {
					why = "schema does not compile: " + compileErr.Error()
				} else {
					vs, err := v.Validate(tc.Data)
					switch {
					case err != nil:
						why = "validator error: " + err.Error()
					case (len(vs) == 0) != tc.Valid:
						why = fmt.Sprintf("valid = %v, want %v (%v)", len(vs) == 0, tc.Valid, vs)
					}
				}
				_, isKnown := known[name]
				switch {
				case why == "" && isKnown:
					t.Errorf("%s: now passes; remove it from the recorded failures", name)
				case why == "":
					passed++
				case isKnown:
					expected++
				default:
					failed = append(failed, fmt.Sprintf("%q: %q,", name, why))
				}
			}
		}
	}
	for name := range known {
		if !seen[name] {
			t.Errorf("the recorded failures name %q, which the suite does not have", name)
		}
	}
	return passed, expected, failed
}

// withDraft gives a suite schema that names no draft the one of its
// directory, as the suite's harnesses do: the engines read a schema
// without "$schema" as draft 7.
func withDraft(schema json.RawMessage, draft string) json.RawMessage {
	uri := map[string]string{
		"draft4":       "http://json-schema.org/draft-04/schema#",
		"draft6":       "http://json-schema.org/draft-06/schema#",
		"draft7":       "http://json-schema.org/draft-07/schema#",
		"draft2019-09": "https://json-schema.org/draft/2019-09/schema",
		"draft2020-12": "https://json-schema.org/draft/2020-12/schema",
	}[draft]
	var obj map[string]json.RawMessage
	if uri == "" || json.Unmarshal(schema, &obj) != nil || obj == nil {
		return schema
	}
	if _, ok := obj["$schema"]; ok {
		return schema
	}
	obj["$schema"], _ = json.Marshal(uri)
	out, _ := json.Marshal(obj)
	return out
}

// knownFailuresDraft4 and knownFailuresDraft6 are gojsonschema's recorded
// failures in drafts 4 and 6: the same three flaws as in draft 7.
var (
	knownFailuresDraft4 = map[string]string{
		"format.json: date-time format: all string formats ignore floats":                                                                 "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: date-time format: all string formats ignore integers":                                                               "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: email format: all string formats ignore floats":                                                                     "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: email format: all string formats ignore integers":                                                                   "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: hostname format: all string formats ignore floats":                                                                  "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: hostname format: all string formats ignore integers":                                                                "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: ipv4 format: all string formats ignore floats":                                                                      "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: ipv4 format: all string formats ignore integers":                                                                    "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: ipv6 format: all string formats ignore floats":                                                                      "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: ipv6 format: all string formats ignore integers":                                                                    "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: uri format: all string formats ignore floats":                                                                       "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: uri format: all string formats ignore integers":                                                                     "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"ref.json: $ref prevents a sibling id from changing the base uri: $ref resolves to /definitions/base_foo, data does not validate": "gojsonschema lets an id beside $ref change the base URI; the draft ignores $ref's siblings",
		"ref.json: $ref prevents a sibling id from changing the base uri: $ref resolves to /definitions/base_foo, data validates":         "gojsonschema lets an id beside $ref change the base URI; the draft ignores $ref's siblings",
	}
	knownFailuresDraft6 = map[string]string{
		"format.json: date-time format: all string formats ignore floats":                                                                  "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: date-time format: all string formats ignore integers":                                                                "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: email format: all string formats ignore floats":                                                                      "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: email format: all string formats ignore integers":                                                                    "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: hostname format: all string formats ignore floats":                                                                   "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: hostname format: all string formats ignore integers":                                                                 "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: ipv4 format: all string formats ignore floats":                                                                       "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: ipv4 format: all string formats ignore integers":                                                                     "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: ipv6 format: all string formats ignore floats":                                                                       "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: ipv6 format: all string formats ignore integers":                                                                     "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: json-pointer format: all string formats ignore floats":                                                               "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: json-pointer format: all string formats ignore integers":                                                             "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: uri format: all string formats ignore floats":                                                                        "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: uri format: all string formats ignore integers":                                                                      "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: uri-reference format: all string formats ignore floats":                                                              "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: uri-reference format: all string formats ignore integers":                                                            "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: uri-template format: all string formats ignore floats":                                                               "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"format.json: uri-template format: all string formats ignore integers":                                                             "gojsonschema applies string formats to numbers; the draft ignores non-strings",
		"maxItems.json: maxItems validation with a decimal: shorter is valid":                                                              "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"maxItems.json: maxItems validation with a decimal: too long is invalid":                                                           "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"maxLength.json: maxLength validation with a decimal: shorter is valid":                                                            "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"maxLength.json: maxLength validation with a decimal: too long is invalid":                                                         "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"maxProperties.json: maxProperties validation with a decimal: shorter is valid":                                                    "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"maxProperties.json: maxProperties validation with a decimal: too long is invalid":                                                 "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"minItems.json: minItems validation with a decimal: longer is valid":                                                               "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"minItems.json: minItems validation with a decimal: too short is invalid":                                                          "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"minLength.json: minLength validation with a decimal: longer is valid":                                                             "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"minLength.json: minLength validation with a decimal: too short is invalid":                                                        "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"minProperties.json: minProperties validation with a decimal: longer is valid":                                                     "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"minProperties.json: minProperties validation with a decimal: too short is invalid":                                                "gojsonschema refuses an integral decimal such as 2.0 as a length or count keyword",
		"ref.json: $ref prevents a sibling $id from changing the base uri: $ref resolves to /definitions/base_foo, data does not validate": "gojsonschema lets an id beside $ref change the base URI; the draft ignores $ref's siblings",
		"ref.json: $ref prevents a sibling $id from changing the base uri: $ref resolves to /definitions/base_foo, data validates":         "gojsonschema lets an id beside $ref change the base URI; the draft ignores $ref's siblings",
	}
)

type noNetwork struct{}

func (noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("no network in tests: " + r.URL.String())
}
