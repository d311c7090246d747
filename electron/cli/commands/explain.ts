// `tlsrpt explain [RESULT-TYPE]`: the glossary the app shows beside every
// result type, at the terminal where `tlsrpt summary` or `check` named one.
import { explainResultType, glossaryEntries } from '../../../shared/glossary/result-types.js';
import { printable } from '../text.js';
import { EXIT_OK, UsageError, parseCommandArgs } from '../usage.js';

export function runExplain(args: string[], out: NodeJS.WritableStream): number {
  const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } });
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1] ?? ''}"`);
  const [resultType] = positionals;
  if (resultType === undefined) {
    const entries = glossaryEntries();
    if (values.json === true) {
      out.write(`${JSON.stringify(entries)}\n`);
      return EXIT_OK;
    }
    const width = Math.max(...entries.map((entry) => entry.resultType.length));
    for (const { resultType: type, explanation } of entries) {
      out.write(`${type.padEnd(width)}  ${explanation.title} (${explanation.source})\n`);
    }
    out.write('\nFor one of them: tlsrpt explain RESULT-TYPE\n');
    return EXIT_OK;
  }
  const explanation = explainResultType(resultType);
  if (values.json === true) {
    out.write(`${JSON.stringify({ resultType, ...explanation })}\n`);
    return EXIT_OK;
  }
  out.write(
    [
      `${printable(resultType)}: ${explanation.title} (${explanation.source})`,
      '',
      explanation.meaning,
      '',
      'Usual causes:',
      ...explanation.causes.map((cause) => `  - ${cause}`),
      '',
      `Check: ${explanation.check}`,
      `Fix: ${explanation.fix}`,
      ...(explanation.liveCheck ? [`Live check (tlsrpt lint DOMAIN --online): ${explanation.liveCheck.text}`] : []),
      ...(explanation.policyCause ? ['', 'The cause is often the policy: tlsrpt lint DOMAIN --online checks it.'] : []),
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}
