// What a notification of new error findings says, in words: one text for the
// desktop notification, the webhook's `text` (Slack, Teams) and the e-mail,
// so the three say the same thing.
import { findingSummary } from './assess-domain.js';
import type { HealthFinding } from './findings.js';

/** New error findings, as of a UTC day (`YYYY-MM-DD`), sent once each. */
export interface FindingsNotice {
  asOf: string;
  findings: HealthFinding[];
}

/** "TLS failing for shop.example", or "3 new TLS errors (2 domains)". */
export function noticeTitle(findings: readonly HealthFinding[]): string {
  const [first] = findings;
  if (findings.length === 1 && first) return `TLS failing for ${first.domain}`;
  const domains = new Set(findings.map((finding) => finding.domain)).size;
  return `${findings.length} new TLS errors${domains > 1 ? ` (${domains} domains)` : ` for ${first?.domain ?? ''}`}`;
}

/** One finding as a paragraph: the domain, the summary (host, type, since when), what is wrong and what to do. */
function findingNotice(finding: HealthFinding): string {
  return `${finding.domain}: ${findingSummary(finding)} ${finding.message} What to do: ${finding.fix}`;
}

/** The whole notice as plain text: the title, then a paragraph per finding. */
export function noticeText(notice: FindingsNotice): string {
  return [
    `${noticeTitle(notice.findings)} (as of ${notice.asOf}, from the SMTP TLS reports):`,
    ...notice.findings.map((finding) => `• ${findingNotice(finding)}`),
  ].join('\n');
}

/** The app's route of a domain's page (renderer/src/routes.ts `domain`), for a click on a notification. */
export function domainPageHash(domain: string): string {
  return `#/domains/${encodeURIComponent(domain)}`;
}
