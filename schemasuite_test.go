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

// TestJSONSchemaTestSuite runs the official JSON-Schema-Test-Suite (draft
// 7, required tests) through the validation layer: the default Compiler
// and its Validator.
func TestJSONSchemaTestSuite(t *testing.T) {
	dir := filepath.Join(suiteDir, "tests", "draft7")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("the JSON-Schema-Test-Suite is not at %s (%v); CI has it there", dir, err)
	}
	// The suite's remote references point at http://localhost:1234/; hand
	// them over as resources, and make sure nothing goes to the network.
	resources := map[string][]byte{}
	remotes := filepath.Join(suiteDir, "remotes")
	filepath.WalkDir(remotes, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			rel, _ := filepath.Rel(remotes, p)
			data, _ := os.ReadFile(p)
			resources["http://localhost:1234/"+filepath.ToSlash(rel)] = data
		}
		return nil
	})
	saved := http.DefaultTransport
	http.DefaultTransport = noNetwork{}
	t.Cleanup(func() { http.DefaultTransport = saved })
	compiler := configmgr.GoJSONSchema{Resources: resources}

	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var failed []string
	var passed, expected int
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
			v, compileErr := compiler.Compile(g.Schema)
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
				_, known := knownFailures[name]
				switch {
				case why == "" && known:
					t.Errorf("%s: now passes; remove it from knownFailures", name)
				case why == "":
					passed++
				case known:
					expected++
				default:
					failed = append(failed, fmt.Sprintf("%q: %q,", name, why))
				}
			}
		}
	}
	for name := range knownFailures {
		if !seen[name] {
			t.Errorf("knownFailures names %q, which the suite does not have", name)
		}
	}
	sort.Strings(failed)
	for _, f := range failed {
		t.Errorf("unexpected failure: %s", f)
	}
	t.Logf("draft 7: %d cases pass, %d known failures, %d unexpected failures", passed, expected, len(failed))
}

type noNetwork struct{}

func (noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("no network in tests: " + r.URL.String())
}
