package configmgr

import (
	"flag"
	"fmt"
	"sort"
	"strings"
)

// FlagSource is a set of command-line flags: Visit calls fn with the name
// and the value of every flag the user set, and of no other. [StdFlags]
// adapts the standard library's flag package; [FlagFunc] adapts any other,
// such as spf13/pflag, without this package depending on it:
//
//	configmgr.FlagFunc(func(fn func(name, value string)) {
//		fs.Visit(func(f *pflag.Flag) { fn(f.Name, f.Value.String()) })
//	})
type FlagSource interface {
	Visit(fn func(name, value string))
}

// StdFlags is the [FlagSource] of a parsed *flag.FlagSet.
func StdFlags(fs *flag.FlagSet) FlagSource {
	return FlagFunc(func(fn func(name, value string)) {
		fs.Visit(func(f *flag.Flag) { fn(f.Name, f.Value.String()) })
	})
}

// FlagFunc is a [FlagSource] made of a function that visits the set flags.
type FlagFunc func(fn func(name, value string))

// Visit implements [FlagSource].
func (f FlagFunc) Visit(fn func(name, value string)) { f(fn) }

// WithFlags lets command-line flags override values, above environment
// variables (see [WithEnvOverrides]): the layers, lowest first, are the
// schema's defaults, the stored document, environment variables, flags.
// Only the flags the user set count. A flag binds to the property that
// bind maps its name to (an RFC 6901 JSON Pointer such as
// "/database/port"), or else to the property its name spells, with "."
// or "-" between keys: "database.port" or "database-port". A set flag that
// names no property, or whose value does not convert to the property's
// type, makes [New] or [Open] fail, naming it.
//
// Flag values are validated with the document, never written, and
// reported by [Manager.Origin] as "flag NAME". Like environment variables
// they are read when the Manager is opened.
func WithFlags(flags FlagSource, bind map[string]string) Option {
	return optionFunc(func(o *options) { o.flags, o.flagBind = flags, bind })
}

// flagOverrides maps the set flags onto the properties of the schema.
func flagOverrides(flags FlagSource, bind map[string]string, root map[string]any) ([]override, error) {
	r := newResolver(root, root, "", 0)
	var out []override
	var errs []string
	flags.Visit(func(name, value string) {
		var ts []target
		if ptr, ok := bind[name]; ok {
			path, err := splitPointer(ptr)
			if err != nil {
				errs = append(errs, fmt.Sprintf("flag %s: %v", name, err))
				return
			}
			node := root
			for _, k := range path {
				node = childSchema(node, root, k)
			}
			if node == nil {
				errs = append(errs, fmt.Sprintf("flag %s: %s names no property of the schema", name, ptr))
				return
			}
			ts = []target{{path, deref(node, root)}}
		} else {
			ts = r.resolve(envName(strings.FieldsFunc(name, func(c rune) bool { return c == '.' || c == '-' })))
		}
		ov, err := overrideOf("--"+name, value, ts)
		if err != nil {
			errs = append(errs, "flag "+err.Error())
			return
		}
		ov.flag = true
		out = append(out, ov)
	})
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("flags: %s", strings.Join(errs, "; "))
	}
	sortOverrides(out)
	return out, nil
}
