// One pino logger for the process. Redaction paths are fixed at start (pino docs/redaction.md:
// never built from input; wildcards cost more), covering every place a secret can sit in what we
// log: request headers, config secrets, credentials handed to upstream providers.

import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  '*.password',
  'clientSecret',
  '*.clientSecret',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'token',
  '*.token',
  'secret',
  '*.secret',
];

/** Feed tokens travel in URLs (/feeds/<token>.ics); logs keep only the route shape. */
export function redactUrl(url: string): string {
  return url.replace(/(\/feeds\/)[^/?#]+/g, '$1[redacted]').replace(/([?&](?:token|code|state|access_token)=)[^&#]*/gi, '$1[redacted]');
}

export interface LogOptions {
  level?: string;
  format?: 'json' | 'pretty';
  destination?: DestinationStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? 'info',
    base: { name: 'ewsdav' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string; ip?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url === undefined ? undefined : redactUrl(req.url),
        ip: req.ip,
      }),
      err: pino.stdSerializers.err,
    },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/** A logger that writes nothing: for library use and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
