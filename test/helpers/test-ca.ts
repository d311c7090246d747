import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Certificates for the test servers (Dovecot, the policy HTTPS server), made
 * with openssl at test time: nothing secret is committed, nothing outlives
 * the run.
 */
export function openssl(args: string[], dir: string): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/**
 * A self-signed CA, `<name>.key` and `<name>.crt`, valid for `days` (two by
 * default); `ca` can also issue (see below).
 */
export function makeCa(dir: string, name: string, commonName: string, days = 2): string {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-subj',
      `/CN=${commonName}`,
      '-days',
      String(days),
    ],
    dir,
  );
  if (name === 'ca') {
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    writeFileSync(
      join(dir, 'ca.cnf'),
      '[ ca ]\ndefault_ca = test\n[ test ]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = anything\nunique_subject = no\n[ anything ]\ncommonName = supplied\n',
    );
  }
  return join(dir, `${name}.crt`);
}

/**
 * A server certificate `<name>.key` / `<name>.crt` for the subject
 * alternative names given (`DNS:localhost,IP:127.0.0.1`), issued by the CA
 * `ca` in the same folder. `dates` overrides its validity (an expired one).
 */
export function issueServerCertificate(
  dir: string,
  name: string,
  altNames: string,
  dates: string[] = ['-days', '2'],
): void {
  const commonName = /DNS:([^,]+)/.exec(altNames)?.[1] ?? name;
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${commonName}`,
    ],
    dir,
  );
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    [
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.crt',
      '-keyfile',
      'ca.key',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
      ...dates,
    ],
    dir,
  );
}
