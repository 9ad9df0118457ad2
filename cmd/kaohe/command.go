package main

import (
	"context"
	"flag"
	"io"
)

// commandFlags is the flag set of a one-shot command, with the --config
// and --data flags that say which program it opens.
type commandFlags struct {
	*flag.FlagSet
	config, data *string
}

// newCommandFlags returns the flag set of the command name; parse errors
// and usage go to stderr.
func newCommandFlags(name string, stderr io.Writer) *commandFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &commandFlags{FlagSet: fs,
		config: fs.String("config", "", "YAML configuration file"),
		data:   fs.String("data", "", "data directory")}
}

// parseArg parses args, whose one argument (a file, a year) may come
// before or after the flags. It returns that argument ("" when there is
// none) and how many arguments are left over after it.
func (f *commandFlags) parseArg(args []string) (arg string, extra int, err error) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		arg, args = args[0], args[1:]
	}
	if err := f.Parse(args); err != nil {
		return "", 0, err
	}
	rest := f.Args()
	if arg == "" && len(rest) > 0 {
		arg, rest = rest[0], rest[1:]
	}
	return arg, len(rest), nil
}

// parseOpen parses args, flags only, and opens the program (open).
func (f *commandFlags) parseOpen(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, migrate bool) (*Main, error) {
	if err := f.Parse(args); err != nil {
		return nil, err
	}
	return f.open(ctx, getenv, stdout, stderr, migrate)
}

// open opens the program that the parsed --config and --data name
// (openCommand); the caller must Close the returned Main.
func (f *commandFlags) open(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, migrate bool) (*Main, error) {
	return openCommand(ctx, getenv, stdout, stderr, *f.config, *f.data, migrate)
}
