package configmgr

import (
	"io/fs"
	"os"
)

// Option configures a [Manager] in [New] or [Open]. When an option is given
// more than once, the last one wins.
//
// A [FileOption] is an Option too, for [New]. The option types of store
// packages, such as sqlite.Option, embed [StoreOption], so that the store's
// own Manager constructor (sqlite.New) takes the store's options and the
// Manager's in one list.
type Option interface {
	applyOption(*options)
}

// optionFunc is the Option of this package's With... functions.
type optionFunc func(*options)

func (f optionFunc) applyOption(o *options) { f(o) }

// StoreOption is embedded by the option type of a store package, such as
// sqlite.Option, to make it an [Option]: the store's Manager constructor
// (sqlite.New) then takes store and Manager options in one list, and picks
// its own out by their type. Given to [New] or [Open], which make no such
// store, a StoreOption makes them fail with an error naming it.
type StoreOption struct {
	// Name names the option in that error, such as "sqlite.WithCreate".
	Name string
}

func (s StoreOption) applyOption(o *options) { o.misplaced = append(o.misplaced, s.Name) }

// SplitOptions separates, for a store package's Manager constructor (such
// as sqlite.New), the options of its own type T from the Manager's.
func SplitOptions[T Option](opts []Option) (own []T, manager []Option) {
	for _, opt := range opts {
		if o, ok := opt.(T); ok {
			own = append(own, o)
		} else {
			manager = append(manager, opt)
		}
	}
	return own, manager
}

// applyOption makes a FileOption an Option: [New] passes it to the
// [FileStore] it makes.
func (f FileOption) applyOption(o *options) { o.fileOpts = append(o.fileOpts, f) }

type options struct {
	keep          int
	keepSet       bool // WithBackups was given
	maxSize       int64
	schema        []byte
	noSchema      bool
	compiler      Compiler
	strict        bool
	maxRetries    int
	fileOpts      []FileOption
	schemaOptions bool
	envPrefix     string
	environ       func() []string
	misplaced     []string // StoreOptions of other packages
	fallback      string   // WithFallback's directory
	hook          DecodeHook
	readOnly      bool
	flags         FlagSource
	flagBind      map[string]string
	ignoreEnv     bool // WithEnvOverrides ignores unknown variables
	tagName       string
	comments      bool // WithComments
}

// defaultMaxSize is the default of WithMaxSize and WithFileMaxSize.
const defaultMaxSize = 4 << 20

func defaultOptions() options {
	return options{
		keep:       5,
		maxSize:    defaultMaxSize,
		compiler:   GoJSONSchema{},
		maxRetries: 100,
		environ:    os.Environ,
	}
}

// WithBackups sets how many backups of each environment a write keeps: the
// newest n, counting the one it takes. The default is 5. A negative n keeps
// every backup; zero takes none.
//
// On a store that keeps a retention policy ([RetentionStore]: the file
// store and SQLite), the option also stores n as the policy, which every
// writer, in any process, follows from then on: a write keeps at least
// that many (see [KeepAtLeast]). So WithBackups(-1) makes an audit trail
// that a Manager run with the default cannot cut.
func WithBackups(n int) Option {
	return optionFunc(func(o *options) { o.keep, o.keepSet = n, true })
}

// WithMaxSize sets the largest document, in bytes, that the Manager reads or
// writes; a larger one is refused with an error wrapping [ErrTooLarge]. The
// default is 4 MiB.
func WithMaxSize(n int64) Option { return optionFunc(func(o *options) { o.maxSize = n }) }

// WithSchema sets the JSON Schema that every document must match, in place
// of the one the store keeps (schema.json for the file store).
func WithSchema(schema []byte) Option {
	return optionFunc(func(o *options) {
		o.schema = append([]byte(nil), schema...)
		o.noSchema = false
		o.schemaOptions = true
	})
}

// WithoutSchema lets the Manager run with no schema: documents are then
// only checked to be JSON objects. Without it, a missing schema is an error.
func WithoutSchema() Option {
	return optionFunc(func(o *options) {
		o.schema = nil
		o.noSchema = true
		o.schemaOptions = true
	})
}

// WithCompiler sets the engine that compiles and checks the schema. The
// default is [GoJSONSchema] with no resources.
func WithCompiler(c Compiler) Option { return optionFunc(func(o *options) { o.compiler = c }) }

// WithComments lets documents hold comments and trailing commas, as JWCC
// ("JSON With Commas and Comments", the format of VS Code's settings and
// tsconfig.json) allows: "//" and "/* */" comments, and a comma after the
// last member of an object or element of an array. Read, Load, Watch,
// Diff, validation and Migrate see the standard JSON value; every write
// keeps every comment in place (see the README). Without it, a document
// with a comment is refused with a *[DecodeError] that gives the line and
// column and names this option. The design document's Python and
// JavaScript tools cannot read a file with comments.
func WithComments() Option { return optionFunc(func(o *options) { o.comments = true }) }

// WithReadOnly makes a Manager that only reads: it needs no backup
// directory and creates nothing (no directory, lock file, schema or
// retention policy), so that Read, Load and Watch work on a read-only root
// file system, as under Kubernetes' readOnlyRootFilesystem. Every write
// fails with an error wrapping [ErrReadOnly], before it reaches the store.
func WithReadOnly() Option { return optionFunc(func(o *options) { o.readOnly = true }) }

// WithDisallowUnknownFields makes [Manager.Load] fail when the document has
// a key that the target struct has no field for, as
// [encoding/json.Decoder.DisallowUnknownFields] does. By default such keys
// are ignored, so that a struct may cover part of a document.
func WithDisallowUnknownFields() Option { return optionFunc(func(o *options) { o.strict = true }) }

// WithEnvOverrides lets environment variables override values of every
// document, twelve-factor style. PREFIX_DATABASE_PORT overrides
// database.port, and PREFIX_DATABASE_POOL_SIZE database.pool_size: a
// variable's name is the prefix, "_", and the path of a property the
// schema declares, upper-cased, with its keys joined by "_" (characters
// other than letters and digits become "_"). The value is converted to the
// property's type (integer, number, boolean, string; JSON text for objects
// and arrays).
//
// The variables are read when the Manager is opened (and when its schema
// changes): a variable with the prefix that names no property, or that
// could name two, or whose value does not convert, makes [New] or [Open]
// fail, naming it. Overrides apply to what [Manager.Read], [Manager.Load]
// and [Watch] return, and are validated with it; they are never written to
// the store, and [Manager.Write] and [Manager.Update] work on the stored
// document. [Manager.Origin] says where a value came from.
func WithEnvOverrides(prefix string) Option {
	return optionFunc(func(o *options) { o.envPrefix = prefix })
}

// WithEnviron sets where [WithEnvOverrides] reads the environment: the
// default is os.Environ; tests give their own.
func WithEnviron(environ func() []string) Option {
	return optionFunc(func(o *options) { o.environ = environ })
}

// withEnviron is WithEnviron, for the package's older tests.
func withEnviron(environ func() []string) Option { return WithEnviron(environ) }

// WithIgnoreUnknownEnv makes [WithEnvOverrides] ignore a variable with
// the prefix that names no property, where by default it makes New or
// Open fail: images often set unrelated variables that share a prefix.
// [Manager.IgnoredEnv] lists the variables it ignored.
func WithIgnoreUnknownEnv() Option { return optionFunc(func(o *options) { o.ignoreEnv = true }) }

// WithFileOptions passes options to the [FileStore] that [New] makes, as
// giving them to New directly does. [Open], which is given a store, fails
// with them.
func WithFileOptions(opts ...FileOption) Option {
	return optionFunc(func(o *options) { o.fileOpts = append(o.fileOpts, opts...) })
}

// FileOption configures a [FileStore]. When an option is given more than
// once, the last one wins.
type FileOption func(*fileOptions)

type fileOptions struct {
	perm     fs.FileMode
	maxSize  int64
	readOnly bool // create nothing; New sets it for WithReadOnly
	hook     func(step string) error
}

// WithFileMode sets the permission bits of a newly created configuration
// file. The default is 0600, since configuration often holds passwords. An
// existing file keeps its mode, and backups get the mode of the file they
// copy.
func WithFileMode(perm fs.FileMode) FileOption {
	return func(o *fileOptions) { o.perm = perm & fs.ModePerm }
}

// WithFileMaxSize sets the largest file, in bytes, that the store reads: a
// larger one is refused with an error wrapping [ErrTooLarge] before it is
// read, and no more than n+1 bytes of a file are ever read. The default is
// 4 MiB; [New] sets it to the Manager's [WithMaxSize], unless this option
// says otherwise.
func WithFileMaxSize(n int64) FileOption {
	return func(o *fileOptions) { o.maxSize = n }
}

// withFaults makes every step of a write call hook first, which may fail it.
// Tests use it to inject faults.
func withFaults(hook func(step string) error) FileOption {
	return func(o *fileOptions) { o.hook = hook }
}
