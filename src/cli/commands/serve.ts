// `ewsdav serve`: the bridge from a configuration, until SIGTERM/SIGINT (then a graceful stop:
// in-flight requests finish, sync stops, the store closes cleanly).

import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../log.js';
import { Bridge } from '../../server/bridge.js';
import { CliError, parseCommandArgs } from '../io.js';

export async function runServe(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('serve', args, { config: { type: 'string' } });
  const loaded = await loadConfig(values.config !== undefined ? { path: values.config } : {});
  if (!loaded) throw new CliError('serve needs a configuration: --config FILE or EWSDAV_CONFIG (or run "ewsdav demo").');
  const { config } = loaded;
  const logger = createLogger({ level: config.logging.level, format: config.logging.format });
  const bridge = await Bridge.create({ config, baseDir: loaded.baseDir, logger });
  const address = await bridge.listen(config.server.host, config.server.port);
  logger.info({ address, publicUrl: config.server.publicUrl, config: loaded.file }, 'ewsdav is serving');
  await untilSignal();
  logger.info('shutting down');
  await bridge.close();
  return 0;
}

export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', done);
      process.off('SIGINT', done);
      resolve(signal);
    };
    process.on('SIGTERM', done);
    process.on('SIGINT', done);
  });
}
