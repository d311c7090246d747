/**
 * TXT records pasted as `dig` prints them: `name. 300 IN TXT "v=STSv1; id=1"`,
 * `dig +short`'s bare `"v=TLSRPTv1; " "rua=mailto:…"`, or `+multiline`'s
 * strings inside parentheses across lines. Each record is its list of
 * character-strings, in the master-file syntax of RFC 1035 §5.1: inside
 * quotes, `\"` and `\\` stand for themselves and `\DDD` for the byte DDD
 * (dig writes non-printable and non-ASCII bytes that way).
 *
 * Returns null when the text holds no quoted string: it is then the record
 * (or policy file) itself.
 */
export function readPastedTxtRecords(text: string): string[][] | null {
  const records: string[][] = [];
  let strings: string[] = [];
  let depth = 0;
  let sawQuote = false;
  const endRecord = (): void => {
    if (depth === 0 && strings.length > 0) {
      records.push(strings);
      strings = [];
    }
  };
  for (const rawLine of text.split(/\r?\n/)) {
    // dig's own lines (`;; ANSWER SECTION:`, `; <<>> DiG …`) are comments.
    if (depth === 0 && rawLine.trimStart().startsWith(';')) continue;
    let index = 0;
    while (index < rawLine.length) {
      const char = rawLine[index];
      if (char === '"') {
        const read = readQuoted(rawLine, index + 1);
        strings.push(read.value);
        sawQuote = true;
        index = read.next;
      } else if (char === '(') {
        depth += 1;
        index += 1;
      } else if (char === ')') {
        depth = Math.max(0, depth - 1);
        index += 1;
      } else if (char === ';') {
        // A comment outside quotes runs to the end of the line.
        break;
      } else {
        index += 1;
      }
    }
    endRecord();
  }
  if (strings.length > 0) records.push(strings);
  return sawQuote ? records : null;
}

/** One quoted character-string from `start` (just after its opening quote); an unclosed one runs to the end. */
function readQuoted(line: string, start: number): { value: string; next: number } {
  let value = '';
  // Bytes of a run of `\DDD` escapes, decoded together: one UTF-8 character may take several.
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) value += decodeBytes(bytes);
    bytes = [];
  };
  let index = start;
  while (index < line.length) {
    const char = line[index] ?? '';
    if (char === '"') {
      flush();
      return { value, next: index + 1 };
    }
    if (char === '\\') {
      const digits = /^\d{3}/.exec(line.slice(index + 1, index + 4))?.[0];
      if (digits !== undefined && Number(digits) <= 255) {
        bytes.push(Number(digits));
        index += 4;
        continue;
      }
      flush();
      value += line[index + 1] ?? '';
      index += 2;
      continue;
    }
    flush();
    value += char;
    index += 1;
  }
  flush();
  return { value, next: line.length };
}

/**
 * UTF-8 bytes as text, through the platform's strict decoder (shared/ has no
 * TextDecoder); bytes that are not UTF-8 become U+FFFD each, so that the
 * record is still shown and the linter says what is wrong with it.
 */
function decodeBytes(bytes: readonly number[]): string {
  try {
    return decodeURIComponent(bytes.map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
  } catch {
    return bytes.map((byte) => (byte < 0x80 ? String.fromCharCode(byte) : '\uFFFD')).join('');
  }
}
