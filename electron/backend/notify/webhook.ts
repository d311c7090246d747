// New findings posted to a webhook as JSON: the findings themselves, and a
// `text` field that Slack's and Teams' incoming webhooks show as the message.
import type { HealthFinding } from '../../../shared/health/findings.js';
import { noticeText, type FindingsNotice } from '../../../shared/health/notice.js';
import type { FindingSink } from './finding-notifier.js';

interface WebhookBody {
  source: 'tlsrpt-viewer';
  text: string;
  asOf: string;
  findings: Omit<HealthFinding, 'policyLint'>[];
}

function webhookBody(notice: FindingsNotice): WebhookBody {
  return {
    source: 'tlsrpt-viewer',
    text: noticeText(notice),
    asOf: notice.asOf,
    // The policy linter's detail is for the app's pages; a chat message needs the finding and its fix.
    findings: notice.findings.map((finding) => ({
      severity: finding.severity,
      code: finding.code,
      domain: finding.domain,
      mx: finding.mx,
      organization: finding.organization,
      resultType: finding.resultType,
      firstSeen: finding.firstSeen,
      lastSeen: finding.lastSeen,
      failedSessions: finding.failedSessions,
      message: finding.message,
      fix: finding.fix,
    })),
  };
}

/**
 * A webhook URL as it may be shown: scheme and host only. Slack, Teams and
 * most others carry the token in the path or the query, and some in the
 * user part: none of these may reach a log or an error message.
 */
export function redactedUrl(url: URL): string {
  const hidden = url.pathname !== '/' || url.search !== '' || url.username !== '' || url.password !== '';
  return `${url.protocol}//${url.host}/${hidden ? '…' : ''}`;
}

/** The URL of --notify-webhook, checked; the message never repeats the URL (it may hold a token). */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('--notify-webhook takes an http:// or https:// URL; the one given does not parse');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`--notify-webhook takes an http:// or https:// URL, not ${url.protocol}`);
  return url;
}

export interface WebhookOptions {
  /** For each try: the answer's headers must come within it. */
  timeoutMs?: number;
  /** Tries in all, for a connection failure, a timeout, a 408, 429 or 5xx answer. */
  attempts?: number;
  /** The pause before the second try; doubled before each next. */
  retryDelayMs?: number;
}

/** Thrown for an answer another try would not change (a 4xx: a wrong or revoked URL). */
class FinalAnswer extends Error {}

/** Why a try failed, in words, without the URL (fetch's causes name the host and port only). */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'the connection was refused (nothing listens there?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its host name does not resolve';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was cut';
  if (code !== undefined && /CERT|SSL|TLS/.test(code)) return `its TLS certificate was refused (${code})`;
  // fetch's own refusals (a port the Fetch standard blocks) have a message and no code.
  return code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export class WebhookSink implements FindingSink {
  readonly describe: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly url: URL,
    options: WebhookOptions = {},
  ) {
    this.describe = `the webhook ${redactedUrl(url)}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.attempts = options.attempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 2_000;
  }

  async deliver(notice: FindingsNotice): Promise<void> {
    const body = JSON.stringify(webhookBody(notice));
    let last = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * 2 ** (attempt - 2)));
      try {
        await this.post(body);
        return;
      } catch (error) {
        if (error instanceof FinalAnswer) throw error;
        last = describeFailure(error, this.timeoutMs);
      }
    }
    throw new Error(`${last} (${this.attempts} ${this.attempts === 1 ? 'try' : 'tries'})`);
  }

  private async post(body: string): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'tlsrpt-viewer' },
      body,
      // A redirect could carry the findings somewhere nobody chose.
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    // The answer's body is not needed; reading it whole could be unbounded.
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return;
    const said = `it answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Error(said);
    throw new FinalAnswer(
      response.status >= 300 && response.status < 400 ? `${said} (a redirect, not followed)` : `${said}; check the URL`,
    );
  }
}
