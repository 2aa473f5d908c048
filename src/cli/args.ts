// The yargs definition, derived from config/options.ts. Returns the raw values the user typed;
// no defaults (config/load.ts applies them, after the environment) and no I/O.

import yargs from 'yargs';
import { ConfigError } from '../errors/http-error';
import { OPTIONS, OptionName, toFlagName } from '../config/options';
import type { RawOptions } from '../config/load';

export interface CliInvocation {
  readonly options: RawOptions;
}

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
        : name === 'threads' || spec.type === 'file'
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

  const parsed = parser.parseSync();
  const options: RawOptions = {};
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const value = (parsed as Record<string, unknown>)[name];
    if (value !== undefined) options[name] = name === 'root' ? String(value) : value;
  }
  return { options };
}
