// `ewsdav start` (what `npm start` runs): a configuration means serve; none means the demo, so a
// newcomer's first command shows a working bridge.

import { parseCommandArgs } from '../io.js';

export async function runStart(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('start', args, { config: { type: 'string' } });
  if (values.config || process.env.EWSDAV_CONFIG) {
    const { runServe } = await import('./serve.js');
    return runServe(args);
  }
  const { runDemo } = await import('./demo.js');
  return runDemo([]);
}
