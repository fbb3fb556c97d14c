// The command table: one entry per `ewsdav` command. Usage text and dispatch come from here only.

export interface Command {
  name: string;
  synopsis: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

export const COMMANDS: readonly Command[] = [
  {
    name: 'start',
    synopsis: 'start [--config FILE]',
    summary: 'serve with a configuration (--config or EWSDAV_CONFIG), else run the demo (what `npm start` runs)',
    run: async (args) => (await import('./commands/start.js')).runStart(args),
  },
  {
    name: 'serve',
    synopsis: 'serve [--config FILE]',
    summary: 'run the bridge from a configuration',
    run: async (args) => (await import('./commands/serve.js')).runServe(args),
  },
  {
    name: 'check',
    synopsis: 'check [--config FILE] [--user U] [--json]',
    summary: 'log in to Exchange, list the calendars, and diagnose what fails',
    run: async (args) => (await import('./commands/check.js')).runCheck(args),
  },
  {
    name: 'feed',
    synopsis: 'feed create|list|revoke …',
    summary: 'secret-token ICS feeds: create USER CALENDAR [--detail …], list [USER], revoke NAME|ID',
    run: async (args) => (await import('./commands/feed.js')).runFeed(args),
  },
  {
    name: 'link',
    synopsis: 'link USER [--device-code|--paste]',
    summary: 'link a mailbox to its Microsoft 365 account (exchange.auth "oauth"); again to re-link',
    run: async (args) => (await import('./commands/link.js')).runLink(args),
  },
  {
    name: 'device-password',
    synopsis: 'device-password create|list|revoke USER [NAME]',
    summary: 'passwords for calendar apps in login.mode "devicePasswords" (shown once, stored as a hash)',
    run: async (args) => (await import('./commands/device-password.js')).runDevicePassword(args),
  },
  {
    name: 'demo',
    synopsis: 'demo [--oauth] [--port N] [--host H] [--data DIR]',
    summary: 'the bundled Exchange simulator with a demo mailbox, plus the bridge (--oauth: Exchange Online-style sign-in with a fake Entra ID)',
    run: async (args) => (await import('./commands/demo.js')).runDemo(args),
  },
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.synopsis.length));
  const lines = COMMANDS.map((c) => `  ewsdav ${c.synopsis.padEnd(width)}  ${c.summary}`);
  return `Usage:\n${lines.join('\n')}\n\nEvery command takes --config FILE (or EWSDAV_CONFIG); commands that print data take --json.\n`;
}
