package main

import (
	"context"
	"errors"
	"flag"
	"io"
)

// commandFlags is the flag set of a one-shot command, with the --config
// and --data flags that say which program it opens, the command's usage
// line, and where it reads the environment and writes.
type commandFlags struct {
	*flag.FlagSet
	config, data   *string
	usage          string
	getenv         func(string) string
	stdout, stderr io.Writer
}

// newCommandFlags returns the flag set of the command name, whose usage
// line is the error of a call that makes no command; parse errors and
// flag usage go to stderr.
func newCommandFlags(name, usage string, getenv func(string) string, stdout, stderr io.Writer) *commandFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &commandFlags{FlagSet: fs,
		config: fs.String("config", "", "YAML configuration file"),
		data:   fs.String("data", "", "data directory"),
		usage:  usage, getenv: getenv, stdout: stdout, stderr: stderr}
}

// parseFlags parses args, flags only, and returns the usage as the error
// when ok (nil: any flags make a command) says after parsing that they
// make no command.
func (f *commandFlags) parseFlags(args []string, ok func() bool) error {
	if err := f.Parse(args); err != nil {
		return err
	}
	if ok != nil && !ok() {
		return errors.New(f.usage)
	}
	return nil
}

// parseArg parses args, whose one argument (a file, a year) may come
// before or after the flags, and returns that argument ("" when there is
// none). It returns the usage as the error when ok says after parsing
// that the flags, the argument and the number of arguments left over
// after it make no command.
func (f *commandFlags) parseArg(args []string, ok func(arg string, extra int) bool) (string, error) {
	var arg string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		arg, args = args[0], args[1:]
	}
	if err := f.Parse(args); err != nil {
		return "", err
	}
	rest := f.Args()
	if arg == "" && len(rest) > 0 {
		arg, rest = rest[0], rest[1:]
	}
	if !ok(arg, len(rest)) {
		return "", errors.New(f.usage)
	}
	return arg, nil
}

// named is the ok of parseArg for commands that need their argument and
// ignore any after it.
func named(arg string, _ int) bool { return arg != "" }

// run parses args (parseFlags) and runs body on the program they name
// (session).
func (f *commandFlags) run(ctx context.Context, args []string, ok func() bool, migrate bool, body func(m *Main) error) error {
	if err := f.parseFlags(args, ok); err != nil {
		return err
	}
	return f.session(ctx, migrate, body)
}

// session opens the program that the parsed --config and --data name
// (openCommand), runs body on it and closes it.
func (f *commandFlags) session(ctx context.Context, migrate bool, body func(m *Main) error) error {
	m, err := openCommand(ctx, f.getenv, f.stdout, f.stderr, *f.config, *f.data, migrate)
	if err != nil {
		return err
	}
	defer m.Close()
	return body(m)
}
