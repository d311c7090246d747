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
  ['Apple Inc.', 'tlsrpt@icloud.com'],
  ['Yandex', 'tlsrpt@yandex.ru'],
  ['GMX', 'tlsrpt@gmx.net'],
  ['Seznam.cz', 'tlsrpt@seznam.cz'],
  ['mailbox.org', 'tlsrpt@mailbox.org'],
  ['Posteo', 'tlsrpt@posteo.de'],
  ['Orange', 'tlsrpt@orange.fr'],
  ['Cloudflare', 'tlsrpt@cloudflare.com'],
] as const;

/** Days the corpus spans, ending at `end`. */
const DAYS = 400;
/** Share of (sender, domain, day) triples that have a report: senders report only days with sessions. */
const REPORTING_SHARE = 0.5;

export interface CorpusShape {
  reports: number;
  /** Share of reports written as report e-mails instead of .json.gz. */
  emailShare: number;
  seed: number;
}

interface Domain {
  name: string;
  policyType: 'sts' | 'tlsa' | 'no-policy-found';
  /** Each MX host fails mostly in its own ways (an expired certificate, a name mismatch, …). */
  mxHosts: { name: string; ip: string; usualFailures: string[] }[];
}

function makeDomain(index: number, seed: number): Domain {
  const next = random(seed ^ (index * 0x9e3779b1));
  const name = `d${index}.example`;
  const roll = next();
  return {
    name,
    policyType: roll < 0.7 ? 'sts' : roll < 0.85 ? 'tlsa' : 'no-policy-found',
    mxHosts: Array.from({ length: 2 + Math.floor(next() * 3) }, (_, mx) => ({
      name: `mx${mx}.${name}`,
      ip: `198.51.100.${(index * 4 + mx) % 250}`,
      usualFailures: Array.from(
        { length: 1 + Math.floor(next() * 3) },
        () => RESULT_TYPES[Math.floor(next() * RESULT_TYPES.length)] as string,
      ),
    })),
  };
}

/**
 * Writes a synthetic corpus shaped like real reports: each report is one
 * sender's view of one policy domain on one UTC day, as real senders send
 * them, so the number of domains grows with the corpus (16 senders, 400 days,
 * a report on half of the possible days). Policy domains publish sts, tlsa or
 * nothing; each has 2–4 MX hosts that fail mostly in their own ways, and
 * every result type occurs. 0–20 failure details per policy (half of the
 * policies have none), gzipped like real ones, some inside report e-mails.
 */
export function writeSyntheticCorpus(dir: string, shape: CorpusShape, end = Date.UTC(2026, 10, 1)): string[] {
  const next = random(shape.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const domainCount = Math.max(1, Math.ceil(shape.reports / (SENDERS.length * DAYS * REPORTING_SHARE)));
  const domains = Array.from({ length: domainCount }, (_, index) => makeDomain(index, shape.seed));
  const triples = SENDERS.length * DAYS * domainCount;
  // Visits distinct (sender, domain, day) triples in a scattered order: a step coprime with their number.
  let step = Math.floor(triples * 0.618) | 1;
  while (gcd(step, triples) !== 1) step += 2;
  const files: string[] = [];
  const perFolder = 5000;
  for (let i = 0; i < shape.reports; i++) {
    const triple = (i * step) % triples;
    const day = triple % DAYS;
    const senderIndex = Math.floor(triple / DAYS) % SENDERS.length;
    const domain = itemAt(domains, Math.floor(triple / (DAYS * SENDERS.length)));
    const [organization, contact] = itemAt(SENDERS, senderIndex);
    const start = new Date(end - (day + 1) * 86_400_000).toISOString().replace('.000Z', 'Z');
    const stop = new Date(end - day * 86_400_000 - 1000).toISOString().replace('.000Z', 'Z');
    const policyCount = next() < 0.3 ? 2 : 1;
    const policies = Array.from({ length: policyCount }, (_, p) => {
      const type = p === 0 ? domain.policyType : 'no-policy-found';
      const detailCount = next() < 0.5 ? 0 : 1 + Math.floor(next() * next() * 20);
      const details = Array.from({ length: detailCount }, () => {
        const mx = pick(domain.mxHosts);
        return {
          'result-type': next() < 0.8 ? pick(mx.usualFailures) : pick(RESULT_TYPES),
          'sending-mta-ip': `192.0.2.${senderIndex * 15 + Math.floor(next() * 15)}`,
          'receiving-mx-hostname': mx.name,
          'receiving-ip': mx.ip,
          'failed-session-count': 1 + Math.floor(next() * 50),
        };
      });
      const policyDomain = p === 0 ? domain.name : `alt.${domain.name}`;
      return {
        policy: {
          'policy-type': type,
          ...(type === 'sts'
            ? {
                'policy-string': ['version: STSv1', 'mode: enforce', `mx: *.${domain.name}`, 'max_age: 604800'],
                'mx-host': [`*.${domain.name}`],
              }
            : {}),
          'policy-domain': policyDomain,
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
      'report-id': `${start}_${domain.name}_${i}`,
      policies,
    });
    const folder = join(dir, String(Math.floor(i / perFolder)).padStart(4, '0'));
    if (i % perFolder === 0) mkdirSync(folder, { recursive: true });
    const gz = gzipSync(report);
    const base = `${organization.split(' ')[0]?.toLowerCase() ?? 'x'}!${domain.name}!${i}`;
    if (next() < shape.emailShare) {
      const body = gz.toString('base64').replace(/.{76}/g, '$&\r\n');
      const eml = [
        `From: ${contact}`,
        'To: tlsrpt@example.com',
        `Subject: Report Domain: ${domain.name} Submitter: ${organization} Report-ID: <${i}>`,
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

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function itemAt<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}
