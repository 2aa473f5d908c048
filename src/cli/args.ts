// The yargs definition, derived from config/options.ts. Returns the raw values the user typed;
// no defaults (config/load.ts applies them, after the environment) and no I/O.

import yargs from 'yargs';
import { ConfigError } from '../errors/http-error';
import { OPTIONS, OptionName, toFlagName } from '../config/options';
import type { RawOptions } from '../config/load';

/** What the user asked for: serving (the default command) or one of the helper commands. */
export type CliInvocation =
  | { readonly command: 'serve'; readonly options: RawOptions }
  | { readonly command: 'config'; readonly options: RawOptions }
  | { readonly command: 'hash-password'; readonly options: RawOptions; readonly name: string; readonly roles: string | undefined }
  | { readonly command: 'gen-token'; readonly options: RawOptions; readonly name: string; readonly roles: string | undefined }
  | { readonly command: 'sign-url'; readonly options: RawOptions; readonly path: string; readonly expires: string };

const ROLES_OPTION = { type: 'string', describe: 'Comma-separated roles for the principal', requiresArg: true } as const;

/**
 * Parses argv for a binary. `--help` and `--version` print and exit 0 (yargs' own behaviour);
 * anything else wrong throws a ConfigError with one line.
 */
export function parseArgs(argv: readonly string[], binaryName: string, version: string, defaultMode: string): CliInvocation {
  let parser = yargs([...argv])
    .scriptName(binaryName)
    .command('$0 [root]', 'Serve the files under root over HTTP', (command) =>
      command.positional('root', { type: 'string', describe: `${OPTIONS.root.describe} [env ${OPTIONS.root.env}] [default: .]` }),
    )
    .command('hash-password <name>', 'Read a password (TTY prompt or stdin, never argv) and print a users-file line', (command) =>
      command.positional('name', { type: 'string' }).option('roles', ROLES_OPTION),
    )
    .command('gen-token <name>', 'Print a fresh bearer token ("token: …") and the tokens-file line ("line: …")', (command) =>
      command.positional('name', { type: 'string' }).option('roles', ROLES_OPTION),
    )
    .command('sign-url <path>', 'Print a URL granting GET/HEAD on path until it expires (needs --signing-key-file)', (command) =>
      command
        .positional('path', { type: 'string' })
        .option('expires', { type: 'string', describe: 'Lifetime: 90s, 15m, 2h, 7d', default: '15m', requiresArg: true }),
    )
    .command('config', 'Print the effective configuration (secret files by path, never their contents)')
    .version(version)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .strict()
    .parserConfiguration({
      'camel-case-expansion': true,
      'strip-dashed': true,
      'duplicate-arguments-array': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
    })
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, error) => {
      throw error instanceof ConfigError ? error : new ConfigError(message ?? String(error));
    });

  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    if (name === 'root') continue;
    const spec = OPTIONS[name];
    const describe =
      spec.describe +
      (spec.type === 'choice' ? ` (${spec.choices.join(' | ')})` : '') +
      ` [env ${spec.env}]` +
      (name === 'mode'
        ? ` [default: ${defaultMode}]`
        : name === 'threads' || spec.default === undefined
          ? ''
          : ` [default: ${String(spec.default)}]`);
    parser = parser.option(toFlagName(name), {
      // Other values stay untyped strings (parse-numbers is off) so config/load.ts can reject
      // "abc" with a message naming the flag.
      type: spec.type === 'boolean' ? 'boolean' : undefined,
      describe,
      requiresArg: spec.type !== 'boolean',
    });
  }

  const parsed = parser.parseSync() as Record<string, unknown> & { _: unknown[] };
  const options: RawOptions = {};
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const value = parsed[name];
    if (value !== undefined) options[name] = name === 'root' ? String(value) : value;
  }
  const roles = parsed.roles === undefined ? undefined : String(parsed.roles);
  switch (parsed._[0]) {
    case 'hash-password':
      return { command: 'hash-password', options, name: String(parsed.name), roles };
    case 'gen-token':
      return { command: 'gen-token', options, name: String(parsed.name), roles };
    case 'sign-url':
      return { command: 'sign-url', options, path: String(parsed.path), expires: String(parsed.expires) };
    case 'config':
      return { command: 'config', options };
    default:
      return { command: 'serve', options };
  }
}
