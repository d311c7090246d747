// JSON.parse has no bound on nesting or on the number of values it builds:
// a 60 KB gzip of a 31-million-deep array took 3.16 GB and 15.7 s to parse,
// a 240 MiB body of `[[],[],…]` 6.56 GB. This walks the text once, building
// nothing, and says whether JSON.parse may be given it; it also finds the
// duplicate keys JSON.parse drops silently (it keeps the last). It is a
// check of the text's shape, not a parser: JSON.parse still decides whether
// the text is JSON at all.

export interface JsonShapeLimits {
  /** Arrays and objects inside each other. */
  maxDepth: number;
  /** Arrays and objects in the whole document. */
  maxContainers: number;
  /**
   * Scalars (strings, numbers, true, false, null) in the whole document:
   * containers alone let a 64 KB gzip of `[0,0,…]` hold 33 million values
   * (967 MB to parse).
   */
  maxValues?: number;
  /**
   * Different key names in the whole document: V8 builds a new object shape
   * for each, so 1.2 million distinct keys took 1 GB and 15 s to parse,
   * where the same keys repeated cost nothing.
   */
  maxKeyNames?: number;
  /** Characters of one string, key or value. */
  maxStringChars?: number;
}

export interface JsonShape {
  /** Set when a limit is passed: which, in words. */
  overLimit: string | null;
  /** JSON paths (`policies[0].summary.total-failure-session-count`) of keys that appear twice in one object. */
  duplicateKeys: string[];
}

/** Duplicate keys reported per document; past this, one is enough to know the sender's habit. */
const MAX_DUPLICATES = 20;

interface Frame {
  /** Keys seen so far, for objects; null for arrays. */
  keys: Set<string> | null;
  /** The key or index under which this container sits in its parent. */
  name: string | number | null;
  index: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

export function checkJsonShape(text: string, limits: JsonShapeLimits): JsonShape {
  const stack: Frame[] = [];
  const duplicateKeys: string[] = [];
  let containers = 0;
  let values = 0;
  const keyNames = limits.maxKeyNames === undefined ? null : new Set<string>();
  const maxValues = limits.maxValues ?? Infinity;
  const maxStringChars = limits.maxStringChars ?? Infinity;
  let pendingKey: string | null = null;
  // The last character outside strings and whitespace: a scalar starts right after `[`, `,` or `:`.
  let previous = COMMA;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x20 || char === 0x0a || char === 0x0d || char === 0x09) continue;
    const follows = previous;
    previous = char;
    if (char === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const inner = text.charCodeAt(i);
        if (inner === BACKSLASH) {
          escaped = true;
          i++;
        } else if (inner === QUOTE) break;
      }
      if (i - start - 1 > maxStringChars) {
        return {
          overLimit: `a JSON string longer than ${maxStringChars.toLocaleString('en-US')} characters`,
          duplicateKeys,
        };
      }
      const top = stack[stack.length - 1];
      if (top?.keys && isFollowedByColon(text, i + 1)) {
        const key = readKey(text.slice(start, i + 1), escaped);
        if (keyNames !== null && !keyNames.has(key)) {
          keyNames.add(key);
          if (keyNames.size > (limits.maxKeyNames ?? Infinity)) {
            return {
              overLimit: `more than ${(limits.maxKeyNames ?? 0).toLocaleString('en-US')} different JSON key names`,
              duplicateKeys,
            };
          }
        }
        if (top.keys.has(key)) {
          if (duplicateKeys.length < MAX_DUPLICATES) duplicateKeys.push(pathOf(stack, key));
        } else top.keys.add(key);
        pendingKey = key;
      } else if ((values += 1) > maxValues) {
        return tooManyValues(maxValues, duplicateKeys);
      }
      continue;
    }
    if (
      (follows === COMMA || follows === COLON || follows === 0x5b) /* [ */ &&
      (char === 0x2d /* - */ || (char >= 0x30 && char <= 0x39) || char === 0x74 || char === 0x66 || char === 0x6e)
    ) {
      // A number, true, false or null starts here.
      if ((values += 1) > maxValues) return tooManyValues(maxValues, duplicateKeys);
      continue;
    }
    if (char === 0x5b /* [ */ || char === 0x7b /* { */) {
      containers += 1;
      if (containers > limits.maxContainers) {
        return {
          overLimit: `more than ${limits.maxContainers.toLocaleString('en-US')} JSON arrays and objects`,
          duplicateKeys,
        };
      }
      if (stack.length >= limits.maxDepth) {
        return { overLimit: `JSON nested deeper than ${limits.maxDepth} levels`, duplicateKeys };
      }
      const parent = stack[stack.length - 1];
      const name = parent === undefined ? null : parent.keys ? pendingKey : parent.index;
      stack.push({ keys: char === 0x7b ? new Set() : null, name, index: 0 });
      pendingKey = null;
    } else if (char === 0x5d /* ] */ || char === 0x7d /* } */) {
      stack.pop();
    } else if (char === COMMA) {
      const top = stack[stack.length - 1];
      if (top) top.index += 1;
    }
  }
  return { overLimit: null, duplicateKeys };
}

function tooManyValues(maxValues: number, duplicateKeys: string[]): JsonShape {
  return { overLimit: `more than ${maxValues.toLocaleString('en-US')} JSON values`, duplicateKeys };
}

function isFollowedByColon(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === COLON) return true;
    // JSON's whitespace: space, tab, line feed, carriage return.
    if (char !== 0x20 && char !== 0x09 && char !== 0x0a && char !== 0x0d) return false;
  }
  return false;
}

/** `"a"` and `"\u0061"` are the same key. */
function readKey(quoted: string, escaped: boolean): string {
  if (!escaped) return quoted.slice(1, -1);
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted;
  }
}

function pathOf(stack: readonly Frame[], key: string): string {
  let path = '';
  for (const frame of stack.slice(1)) {
    if (typeof frame.name === 'number') path += `[${frame.name}]`;
    else if (frame.name !== null) path += path === '' ? frame.name : `.${frame.name}`;
  }
  return path === '' ? key : `${path}.${key}`;
}
