package main

import (
	"context"
	"fmt"

	"github.com/ipatlas/ipatlas/postgres"
	"github.com/ipatlas/ipatlas/sqlite"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "--db postgres://…|FILE", `Bring the database's schema up to date and say what was applied. Workers and
crawls do the same when they start, one at a time however many start at once
(an advisory lock), so this is for doing it ahead of time, on purpose. A
database newer than this ipatlas is refused, not touched.`)
	db := fs.String("db", "ipatlas.db", dbFlagHelp)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !isPostgres(*db) {
		s, err := sqlite.Open(ctx, *db, sqlite.Options{})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: schema up to date\n", *db)
		return s.Close()
	}
	s, err := postgres.Connect(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	have, _, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.stdout, "%s: schema up to date (version %d)\n", displayDB(*db), have)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: applied migrations %v; schema at version %d\n", displayDB(*db), applied, have)
	return nil
}
