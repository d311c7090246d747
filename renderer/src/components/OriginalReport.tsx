// A report as its sender sent it: the stored gzip arrives as it is kept, and
// the page inflates it only when someone opens it. pako, because the
// renderer has no zlib of its own (the backend uses node:zlib, measured 2.5–3.5×
// faster there) and its synchronous inflate needs no stream plumbing for a
// document of at most a few MiB.
import { ungzip } from 'pako';
import { useMemo, useState } from 'react';

function bytesOfBase64(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function inflated(gzip: Uint8Array): string {
  try {
    return new TextDecoder().decode(ungzip(gzip));
  } catch (error) {
    return `The stored copy of this report cannot be read (${error instanceof Error ? error.message : String(error)}); run tlsrpt check-db.`;
  }
}

export function OriginalReport({ gzipBase64, fileName }: { gzipBase64: string; fileName: string }) {
  const [open, setOpen] = useState(false);
  const gzip = useMemo(() => bytesOfBase64(gzipBase64), [gzipBase64]);
  const text = useMemo(() => (open ? inflated(gzip) : ''), [open, gzip]);
  const save = (): void => {
    const url = URL.createObjectURL(new Blob([gzip], { type: 'application/tlsrpt+gzip' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    link.click();
    // The download has taken its bytes long before; the URL would otherwise hold them until the page goes.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <details onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Raw JSON as sent</summary>
      <p>
        <button type="button" onClick={save}>
          Save the report as sent ({fileName})
        </button>
      </p>
      <pre className="raw-json" data-testid="raw-json">
        {text}
      </pre>
    </details>
  );
}
