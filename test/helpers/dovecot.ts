import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from './net.js';
import { issueServerCertificate, makeCa } from './test-ca.js';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

/**
 * A real Dovecot IMAP server for tests: its own config file, loopback only,
 * high ports, TLS with a certificate from a CA made here by openssl, one
 * passwd-file user, Maildir in a temporary folder. Started and stopped by the
 * tests themselves.
 */
export interface DovecotServer {
  dir: string;
  host: '127.0.0.1';
  tlsPort: number;
  plainPort: number;
  user: string;
  password: string;
  /** PEM file of the CA that signed the server's certificate. */
  caFile: string;
  /** PEM file of a CA that signed nothing here. */
  otherCaFile: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** An IMAP client of the test itself, for appending and inspecting messages. */
  client(): Promise<ImapFlow>;
  append(mailbox: string, message: string | Buffer, flags?: string[]): Promise<void>;
}

async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Dovecot did not listen on ${port} within ${timeoutMs} ms`);
}

export interface DovecotOptions {
  /**
   * Also accept OAuth 2.0 bearer tokens (XOAUTH2, OAUTHBEARER), checked by
   * Dovecot's oauth2 passdb through token introspection (RFC 7662) at this URL,
   * with the introspecting client's credentials in it.
   */
  oauth2IntrospectionUrl?: string;
  /** The SASL mechanisms offered for tokens; imapflow prefers OAUTHBEARER where it is offered. */
  oauth2Mechanisms?: ('xoauth2' | 'oauthbearer')[];
}

export async function createDovecot(options: DovecotOptions = {}): Promise<DovecotServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-dovecot-'));
  // Dovecot's mail processes must not run as root: as root, they run as nobody and the login process as dovenull.
  const root = process.getuid?.() === 0;
  const mailUser = root ? 'nobody' : userInfo().username;
  const loginUser = root ? 'dovenull' : userInfo().username;
  const uid = Number(execFileSync('id', ['-u', mailUser]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', mailUser]).toString().trim());
  chmodSync(dir, 0o755);
  makeCa(dir, 'ca', 'tlsrpt-viewer test CA');
  makeCa(dir, 'other-ca', 'unrelated CA');
  issueServerCertificate(dir, 'server', 'DNS:localhost,IP:127.0.0.1');
  const home = join(dir, 'home');
  mkdirSync(home);
  if (root) chownSync(home, uid, gid);
  const [tlsPort, plainPort] = [await freePort(), await freePort()];
  const user = 'reports@example.test';
  const password = 'correct horse battery staple';
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}:${uid}:${gid}::${home}/reports\n`);
  const config = join(dir, 'dovecot.conf');
  const oauth2 = options.oauth2IntrospectionUrl;
  const oauth2Mechanisms = (options.oauth2Mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ');
  if (oauth2 !== undefined) {
    // Dovecot's auth process (user dovecot) reads this file: the folder is 0755 above, the file world-readable.
    writeFileSync(
      join(dir, 'oauth2.conf.ext'),
      `introspection_mode = post\nintrospection_url = ${oauth2}\nusername_attribute = email\n` +
        'active_attribute = active\nactive_value = true\nforce_introspection = yes\n',
      { mode: 0o644 },
    );
  }
  writeFileSync(
    config,
    `# Written by test/helpers/dovecot.ts for one test run.
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <${dir}/server.crt
ssl_key = <${dir}/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login${oauth2 !== undefined ? ` ${oauth2Mechanisms}` : ''}
auth_failure_delay = 0
default_internal_user = ${loginUser === 'dovenull' ? 'dovecot' : loginUser}
default_internal_group = ${root ? 'dovecot' : execFileSync('id', ['-gn']).toString().trim()}
default_login_user = ${loginUser}
first_valid_uid = ${Math.min(uid, 500)}
first_valid_gid = 0
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN ${dir}/passwd
}
${
  oauth2 !== undefined
    ? `passdb {
  driver = oauth2
  mechanisms = ${oauth2Mechanisms}
  args = ${dir}/oauth2.conf.ext
}
`
    : ''
}userdb {
  driver = passwd-file
  args = ${dir}/passwd
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${plainPort}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${tlsPort}
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`,
  );
  let process_: ChildProcess | null = null;

  const server: DovecotServer = {
    dir,
    host: '127.0.0.1',
    tlsPort,
    plainPort,
    user,
    password,
    caFile: join(dir, 'ca.crt'),
    otherCaFile: join(dir, 'other-ca.crt'),
    async start() {
      // Foreground (-F) with no pipes to us: the runner neither waits on Dovecot's output nor loses track of it.
      process_ = spawn('dovecot', ['-F', '-c', config], { stdio: 'ignore' });
      await waitForPort(tlsPort);
      await waitForPort(plainPort);
    },
    async stop() {
      const child = process_;
      process_ = null;
      if (child?.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      // Let the listening sockets go before a restart.
      await new Promise((resolve) => setTimeout(resolve, 200));
    },
    async client() {
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: tlsPort,
        secure: true,
        auth: { user, pass: password },
        tls: { ca: [readFileSync(join(dir, 'ca.crt'), 'utf8')] },
        logger: false,
      });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
    async append(mailbox, message, flags = []) {
      const client = await server.client();
      try {
        await client.append(mailbox, message, flags);
      } finally {
        await client.logout();
      }
    },
  };
  return server;
}

export function removeDovecot(server: DovecotServer): void {
  rmSync(server.dir, { recursive: true, force: true });
}
