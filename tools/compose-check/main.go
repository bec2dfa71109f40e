// compose-check validates a docker compose file the way `docker compose config`
// does, without a Docker engine: it loads the file with compose-spec/compose-go
// (the loader docker compose itself uses), which checks the compose JSON schema
// (unknown keys, wrong types), interpolation (including ${VAR:?message}) and
// consistency (depends_on, networks, volumes, configs and secrets that exist).
// On top of that it fails on what `docker compose config` only warns about or
// finds out at `up` time:
//
//   - any loader warning (an unset variable silently defaulting to "", the
//     obsolete `version` key, yes/no booleans, ...);
//   - depends_on condition service_healthy on a service without a healthcheck;
//   - a build context or Dockerfile that does not exist, or a build target that
//     is not a stage of that Dockerfile;
//   - a config or secret file, or a bind-mount source, that does not exist.
//
// Usage:
//
//	compose-check [-env-file FILE]... [-os-env] [-json] FILE
//
// Interpolation uses the -env-file files (or, without one, the .env beside the
// compose file, as docker compose does) and, only with -os-env, the process
// environment (which then wins, as in docker compose), so that by default a
// check does not depend on the caller's environment.
// Every profile is active. -json prints the resolved project (what
// `docker compose config --format json` prints) instead of the summary line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// warningCollector turns compose-go's logrus warnings into check failures.
type warningCollector struct{ messages []string }

func (w *warningCollector) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (w *warningCollector) Fire(e *logrus.Entry) error {
	w.messages = append(w.messages, e.Message)
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("compose-check", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var envFiles stringList
	flags.Var(&envFiles, "env-file", "file of VAR=value lines used for interpolation (repeatable)")
	osEnv := flags.Bool("os-env", false, "also interpolate from the process environment (which wins over env files, as in docker compose)")
	asJSON := flags.Bool("json", false, "print the resolved project as JSON")
	allowWarnings := flags.Bool("allow-warnings", false, "do not fail on loader warnings")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: compose-check [-env-file FILE]... [-os-env] [-json] [-allow-warnings] COMPOSE_FILE")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return 2
	}
	file := flags.Arg(0)

	warnings := &warningCollector{}
	logrus.SetOutput(io.Discard)
	logrus.AddHook(warnings)

	project, err := load(file, envFiles, *osEnv)
	if err != nil {
		fmt.Fprintf(stderr, "compose-check: %s: %s\n", file, explain(err))
		return 1
	}
	problems := append([]string{}, extraChecks(project)...)
	if !*allowWarnings {
		seen := map[string]bool{}
		for _, w := range warnings.messages {
			if !seen[w] {
				seen[w] = true
				problems = append(problems, "warning treated as an error: "+w)
			}
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(stderr, "compose-check: %s: %s\n", file, p)
		}
		return 1
	}

	if *asJSON {
		out, err := project.MarshalJSON()
		if err != nil {
			fmt.Fprintf(stderr, "compose-check: %s: %v\n", file, err)
			return 1
		}
		fmt.Fprintln(stdout, string(out))
		return 0
	}
	names := project.ServiceNames()
	sort.Strings(names)
	fmt.Fprintf(stdout, "compose-check: %s: ok (project %s; %d services: %s)\n",
		file, project.Name, len(names), strings.Join(names, ", "))
	return 0
}

// The schema reports a key it does not allow (a typo, or a key in the wrong
// place) as "<path> false schema"; say so in words.
var falseSchema = regexp.MustCompile(`^(validating .*: )?(\S+) false schema$`)

func explain(err error) string {
	msg := err.Error()
	if m := falseSchema.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: key not allowed by the compose spec (unknown or misplaced)", m[2])
	}
	return msg
}

func load(file string, envFiles []string, osEnv bool) (*types.Project, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}
	for _, f := range envFiles {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("env file: %w", err)
		}
	}
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithResolvedPaths(true),
		cli.WithProfiles([]string{"*"}),
		cli.WithConsistency(true),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
	}
	// Like docker compose: the process environment (with -os-env) wins over the
	// env files; without -env-file, the .env beside the compose file is read if
	// there is one.
	if osEnv {
		opts = append(opts, cli.WithOsEnv)
	}
	opts = append(opts, cli.WithEnvFiles(envFiles...), cli.WithDotEnv)
	options, err := cli.NewProjectOptions([]string{abs}, opts...)
	if err != nil {
		return nil, err
	}
	return options.LoadProject(context.Background())
}

var fromStage = regexp.MustCompile(`(?im)^\s*FROM\s+(?:--\S+\s+)*\S+\s+AS\s+([A-Za-z0-9][A-Za-z0-9_.-]*)\s*$`)

// extraChecks finds what the loader accepts but `docker compose up` would fail on.
func extraChecks(p *types.Project) []string {
	var problems []string
	names := p.ServiceNames()
	sort.Strings(names)
	for _, name := range names {
		s := p.Services[name]
		deps := make([]string, 0, len(s.DependsOn))
		for dep := range s.DependsOn {
			deps = append(deps, dep)
		}
		sort.Strings(deps)
		for _, dep := range deps {
			cfg := s.DependsOn[dep]
			target, ok := p.Services[dep]
			if !ok {
				continue // the loader reports undefined services
			}
			if cfg.Condition == types.ServiceConditionHealthy && !hasHealthcheck(target) {
				problems = append(problems, fmt.Sprintf(
					"service %q waits for %q to be healthy, but %q has no healthcheck", name, dep, dep))
			}
		}

		if s.Build != nil && s.Build.DockerfileInline == "" && !isRemote(s.Build.Context) {
			problems = append(problems, checkBuild(name, s.Build)...)
		}

		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind && v.Source != "" {
				if _, err := os.Stat(v.Source); err != nil {
					problems = append(problems, fmt.Sprintf(
						"service %q bind-mounts %s, which does not exist", name, v.Source))
				}
			}
		}
	}
	var files []string
	for name, c := range p.Configs {
		if c.File != "" {
			if _, err := os.Stat(c.File); err != nil {
				files = append(files, fmt.Sprintf("config %q: file %s does not exist", name, c.File))
			}
		}
	}
	for name, s := range p.Secrets {
		if s.File != "" {
			if _, err := os.Stat(s.File); err != nil {
				files = append(files, fmt.Sprintf("secret %q: file %s does not exist", name, s.File))
			}
		}
	}
	sort.Strings(files)
	return append(problems, files...)
}

func hasHealthcheck(s types.ServiceConfig) bool {
	if s.HealthCheck == nil {
		return false // the image's HEALTHCHECK may exist, but we cannot see it
	}
	if s.HealthCheck.Disable {
		return false
	}
	return len(s.HealthCheck.Test) > 0 && s.HealthCheck.Test[0] != "NONE"
}

func isRemote(context string) bool {
	for _, prefix := range []string{"http://", "https://", "git@", "git://", "github.com/"} {
		if strings.HasPrefix(context, prefix) {
			return true
		}
	}
	return false
}

func checkBuild(service string, b *types.BuildConfig) []string {
	info, err := os.Stat(b.Context)
	if err != nil || !info.IsDir() {
		return []string{fmt.Sprintf("service %q: build context %s is not a directory", service, b.Context)}
	}
	dockerfile := b.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	if !filepath.IsAbs(dockerfile) {
		dockerfile = filepath.Join(b.Context, dockerfile)
	}
	content, err := os.ReadFile(dockerfile)
	if err != nil {
		return []string{fmt.Sprintf("service %q: Dockerfile %s: %v", service, dockerfile, errors.Unwrap(err))}
	}
	if b.Target != "" {
		found := false
		for _, m := range fromStage.FindAllStringSubmatch(string(content), -1) {
			if strings.EqualFold(m[1], b.Target) {
				found = true
			}
		}
		if !found {
			return []string{fmt.Sprintf("service %q: build target %q is not a stage of %s", service, b.Target, dockerfile)}
		}
	}
	return nil
}
