import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RESULT_TYPES } from '../../shared/report/vocabulary.js';

/** A small, fast, seedable PRNG (mulberry32): the same seed writes the same corpus. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SENDERS = [
  ['Google Inc.', 'smtp-tls-reporting@google.com'],
  ['Microsoft Corporation', 'tlsrpt-noreply@microsoft.com'],
  ['Yahoo', 'tlsrpt@yahoo.com'],
  ['Mail.ru', 'tls_support@corp.mail.ru'],
  ['Comcast', 'tlsrpt@comcast.net'],
  ['Proton AG', 'tlsrpt@proton.me'],
  ['Fastmail', 'tlsrpt@fastmail.com'],
  ['Zoho', 'tlsrpt@zoho.com'],
] as const;

export interface CorpusShape {
  reports: number;
  domains: number;
  /** Share of reports written as report e-mails instead of .json.gz. */
  emailShare: number;
  seed: number;
}

/**
 * Writes a synthetic corpus shaped like real reports: many senders, policy
 * domains and MX hosts; sts, tlsa and no-policy-found policies; 0–20
 * failure details per policy, all result types; gzipped like real ones, some
 * inside report e-mails. Spread over the 400 days before `end`.
 */
export function writeSyntheticCorpus(dir: string, shape: CorpusShape, end = Date.UTC(2026, 10, 1)): string[] {
  const next = random(shape.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const files: string[] = [];
  const perFolder = 5000;
  for (let i = 0; i < shape.reports; i++) {
    const [organization, contact] = pick(SENDERS);
    const domain = `d${Math.floor(next() * shape.domains)}.example`;
    const day = Math.floor(next() * 400);
    const start = new Date(end - (day + 1) * 86_400_000).toISOString().replace('.000Z', 'Z');
    const stop = new Date(end - day * 86_400_000 - 1000).toISOString().replace('.000Z', 'Z');
    const policyCount = 1 + Math.floor(next() * 2);
    const policies = Array.from({ length: policyCount }, (_, p) => {
      const roll = next();
      const type = roll < 0.7 ? 'sts' : roll < 0.85 ? 'tlsa' : 'no-policy-found';
      const details = Array.from({ length: Math.floor(next() * next() * 21) }, () => ({
        'result-type': pick(RESULT_TYPES),
        'sending-mta-ip': `192.0.2.${Math.floor(next() * 250)}`,
        'receiving-mx-hostname': `mx${Math.floor(next() * 4)}.${domain}`,
        'receiving-ip': `198.51.100.${Math.floor(next() * 250)}`,
        'failed-session-count': 1 + Math.floor(next() * 50),
      }));
      return {
        policy: {
          'policy-type': type,
          ...(type === 'sts'
            ? {
                'policy-string': ['version: STSv1', 'mode: enforce', `mx: *.${domain}`, 'max_age: 604800'],
                'mx-host': [`*.${domain}`],
              }
            : {}),
          'policy-domain': p === 0 ? domain : `alt${p}.${domain}`,
        },
        summary: {
          'total-successful-session-count': Math.floor(next() * 5000),
          'total-failure-session-count': details.reduce((sum, detail) => sum + detail['failed-session-count'], 0),
        },
        'failure-details': details,
      };
    });
    const report = JSON.stringify({
      'organization-name': organization,
      'date-range': { 'start-datetime': start, 'end-datetime': stop },
      'contact-info': contact,
      'report-id': `${start}_${domain}_${i}`,
      policies,
    });
    const folder = join(dir, String(Math.floor(i / perFolder)).padStart(4, '0'));
    if (i % perFolder === 0) mkdirSync(folder, { recursive: true });
    const gz = gzipSync(report);
    const base = `${organization.split(' ')[0]?.toLowerCase() ?? 'x'}!${domain}!${i}`;
    if (next() < shape.emailShare) {
      const body = gz.toString('base64').replace(/.{76}/g, '$&\r\n');
      const eml = [
        `From: ${contact}`,
        'To: tlsrpt@example.com',
        `Subject: Report Domain: ${domain} Submitter: ${organization} Report-ID: <${i}>`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type="tlsrpt"; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'TLS report.',
        '--b',
        `Content-Type: application/tlsrpt+gzip; name="${base}.json.gz"`,
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="${base}.json.gz"`,
        '',
        body,
        '--b--',
        '',
      ].join('\r\n');
      const path = join(folder, `${base}.eml`);
      writeFileSync(path, eml);
      files.push(path);
    } else {
      const path = join(folder, `${base}.json.gz`);
      writeFileSync(path, gz);
      files.push(path);
    }
  }
  return files;
}
