#!/usr/bin/env node
// `ewsdav <command>`: finds the command, runs it, and turns any error into one readable line and
// an exit code — never a stack trace (unless EWSDAV_DEBUG is set).

import { EwsdavError } from '../errors.js';
import { COMMANDS, findCommand, usage } from './commands.js';
import { CliError } from './io.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    const { version } = await import('./version.js');
    process.stdout.write(`ewsdav ${version}\n`);
    return 0;
  }
  const command = findCommand(name);
  if (!command) {
    process.stderr.write(`ewsdav: unknown command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (process.env.EWSDAV_DEBUG) console.error(error);
    if (error instanceof CliError || error instanceof EwsdavError) {
      process.stderr.write(`ewsdav: ${error instanceof EwsdavError ? error.describe() : error.message}\n`);
      process.exitCode = error instanceof CliError ? error.exitCode : 1;
    } else {
      process.stderr.write(`ewsdav: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
