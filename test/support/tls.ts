// A throwaway CA and server certificate for TLS tests (openssl CLI), and a TLS front that
// forwards to a plain-HTTP test server, so a test can speak https to "outlook.office365.com"
// on loopback without any special case in product code.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';

export interface TestCertificates {
  ca: string;
  key: string;
  cert: string;
}

export function makeCertificates(hostnames: string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'ewsdav-tls-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ewsdav test CA');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${hostnames[0]}`);
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${hostnames.map((h) => `DNS:${h}`).join(',')},IP:127.0.0.1\n`);
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
    return { ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** https://127.0.0.1:<port> terminating TLS and piping to 127.0.0.1:<targetPort>. */
export async function startTlsFront(certs: TestCertificates, targetPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer({ key: certs.key, cert: certs.cert }, (socket) => {
    const upstream = connect(targetPort, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A resolver for undici's connect options: every name is 127.0.0.1, or unknown when listed. */
export function loopbackLookup(unresolvable: string[] = []) {
  return (hostname: string, options: unknown, callback: (error: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void): void => {
    if (unresolvable.includes(hostname)) {
      const error: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
      callback(error, '', 4);
      return;
    }
    if ((options as { all?: boolean }).all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
}
