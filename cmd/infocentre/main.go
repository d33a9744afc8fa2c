package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, "infocentre:", err)
			fmt.Fprintln(os.Stderr, "run 'infocentre help' for usage")
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "infocentre:", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText())
		return usagef("no command given")
	}
	switch args[0] {
	case "help", "-h", "--help":
		return helpCmd(args[1:], stdout, stderr)
	}
	c, rest, err := find(args)
	if err != nil {
		return err
	}
	return c.exec(ctx, rest, stdout, stderr)
}
