// Report e-mails for tests, written out as MIME text so that each test
// controls the exact encoding (base64, quoted-printable, none) and labels.

export interface MimePart {
  contentType: string;
  filename?: string;
  encoding?: 'base64' | 'quoted-printable' | null;
  body: Uint8Array | string;
}

export function reportEmail(
  parts: MimePart[],
  subject = 'Report Domain: example.com Submitter: sender.example',
): string {
  const boundary = '----=_Part_tlsrpt_test';
  const lines = [
    'From: tlsrpt@sender.example',
    'To: tlsrpt@example.com',
    `Subject: ${subject}`,
    'Date: Sun, 11 Jan 2026 03:04:05 +0000',
    'Message-ID: <test@sender.example>',
    'MIME-Version: 1.0',
    'TLS-Report-Domain: example.com',
    'TLS-Report-Submitter: sender.example',
    `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is an aggregate TLS report.',
  ];
  for (const part of parts) {
    lines.push(`--${boundary}`);
    lines.push(`Content-Type: ${part.contentType}${part.filename ? `; name="${part.filename}"` : ''}`);
    if (part.filename) lines.push(`Content-Disposition: attachment; filename="${part.filename}"`);
    if (part.encoding) lines.push(`Content-Transfer-Encoding: ${part.encoding}`);
    lines.push('');
    lines.push(encode(part));
  }
  lines.push(`--${boundary}--`, '');
  return lines.join('\r\n');
}

function encode(part: MimePart): string {
  const bytes = typeof part.body === 'string' ? Buffer.from(part.body, 'utf8') : Buffer.from(part.body);
  if (part.encoding === 'base64') return bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
  if (part.encoding === 'quoted-printable') return quotedPrintable(bytes.toString('utf8'));
  return bytes.toString('utf8');
}

/** RFC 2045 §6.7, enough for JSON text: escape `=`, controls and non-ASCII; soft-break at 76 characters. */
function quotedPrintable(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    let current = '';
    for (const byte of Buffer.from(line, 'utf8')) {
      const token =
        byte === 0x3d || byte > 0x7e || byte < 0x20
          ? `=${byte.toString(16).toUpperCase().padStart(2, '0')}`
          : String.fromCharCode(byte);
      if (current.length + token.length > 75) {
        lines.push(`${current}=`);
        current = '';
      }
      current += token;
    }
    lines.push(current);
  }
  return lines.join('\r\n');
}

/** A message as a forwarding mail client sends it: the original as a message/rfc822 part. */
export function forwarded(original: string): string {
  const boundary = 'fwd-boundary';
  return [
    'From: postmaster@example.com',
    'To: reports@example.com',
    'Subject: Fwd: TLS report',
    'Date: Mon, 12 Jan 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain',
    '',
    'See the attached report.',
    `--${boundary}`,
    'Content-Type: message/rfc822',
    '',
    original,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
