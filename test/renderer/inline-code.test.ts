import { describe, expect, it } from 'vitest';
import { splitInlineCode } from '../../renderer/src/components/inline-code.js';
import { glossaryEntries } from '../../shared/glossary/result-types.js';

describe('splitInlineCode', () => {
  it('turns each backtick pair into a piece of code', () => {
    expect(splitInlineCode('Set `mode: enforce` in the policy, give it a new `id=`.')).toEqual([
      { text: 'Set ', code: false },
      { text: 'mode: enforce', code: true },
      { text: ' in the policy, give it a new ', code: false },
      { text: 'id=', code: true },
      { text: '.', code: false },
    ]);
  });

  it('keeps a text without backticks whole, and a lone backtick as written', () => {
    expect(splitInlineCode('no code here')).toEqual([{ text: 'no code here', code: false }]);
    expect(splitInlineCode('`a` and a lone ` mark')).toEqual([
      { text: 'a', code: true },
      { text: ' and a lone ` mark', code: false },
    ]);
    expect(splitInlineCode('empty `` pair')).toEqual([
      { text: 'empty ', code: false },
      { text: '``', code: false },
      { text: ' pair', code: false },
    ]);
    expect(splitInlineCode('')).toEqual([]);
  });

  it('leaves no backtick in any glossary text', () => {
    for (const { explanation } of glossaryEntries()) {
      const { meaning, check, fix, causes, liveCheck } = explanation;
      for (const text of [meaning, check, fix, ...causes, liveCheck?.text ?? '']) {
        const shown = splitInlineCode(text)
          .filter((piece) => !piece.code)
          .map((piece) => piece.text)
          .join('');
        expect(shown, text).not.toContain('`');
      }
    }
  });
});
