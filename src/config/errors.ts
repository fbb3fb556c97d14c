// The one error the configuration layer throws. Its message is complete on its own: the CLI
// prints `error.message` only, so it names the file and every problem, never a stack or a secret.
import { EwsdavError } from '../errors.js';

export interface ConfigProblem {
  /** JSON path in the config file, e.g. "accounts[0].password"; "" for the file as a whole. */
  readonly path: string;
  /** What is wrong: what was expected and what was found. Never contains a secret value. */
  readonly message: string;
}

export type ConfigErrorCode = 'EWSDAV_ERR_CONFIG_INVALID' | 'EWSDAV_ERR_CONFIG_SECRET';

const HINT = 'See docs/configuration.md for every key; config.schema.json lets editors check the file as you type.';

export class ConfigError extends EwsdavError {
  readonly problems: readonly ConfigProblem[];
  /** The config file, when the problems come from one. */
  readonly file: string | undefined;

  constructor(code: ConfigErrorCode, problems: readonly ConfigProblem[], options: { file?: string; cause?: unknown } = {}) {
    super(code, formatMessage(code, problems, options.file), { hint: HINT }, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigError';
    this.problems = problems;
    this.file = options.file;
  }
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`;
}

function formatMessage(code: ConfigErrorCode, problems: readonly ConfigProblem[], file: string | undefined): string {
  if (code === 'EWSDAV_ERR_CONFIG_SECRET') return problems.map(formatProblem).join('\n');
  const where = file === undefined ? 'Invalid configuration' : `Invalid configuration in ${file}`;
  if (problems.length === 1 && problems[0] !== undefined) return `${where}: ${formatProblem(problems[0])}`;
  return `${where} (${problems.length} problems):\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`;
}
