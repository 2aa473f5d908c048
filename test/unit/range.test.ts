import { MAX_RANGE_SPECS, coalesceRanges, parseRange, toContentRange, type ByteRange } from '../../src/http/range';

const SIZE = 1000;

describe('parseRange', () => {
  describe('satisfiable ranges', () => {
    test.each([
      // [header, size, ranges]
      ['bytes=0-0', SIZE, [{ start: 0, end: 0 }]],
      ['bytes=0-499', SIZE, [{ start: 0, end: 499 }]],
      ['bytes=500-999', SIZE, [{ start: 500, end: 999 }]],
      ['bytes=500-', SIZE, [{ start: 500, end: 999 }]],
      ['bytes=0-', SIZE, [{ start: 0, end: 999 }]],
      ['bytes=999-', SIZE, [{ start: 999, end: 999 }]],
      ['bytes=-500', SIZE, [{ start: 500, end: 999 }]],
      ['bytes=-1', SIZE, [{ start: 999, end: 999 }]],
      ['bytes=-5000', SIZE, [{ start: 0, end: 999 }]],
      ['bytes=-1000', SIZE, [{ start: 0, end: 999 }]],
      ['bytes=900-5000', SIZE, [{ start: 900, end: 999 }]],
      ['bytes=0-99999999999999999999', SIZE, [{ start: 0, end: 999 }]],
      ['bytes=-99999999999999999999', SIZE, [{ start: 0, end: 999 }]],
      ['bytes=0-0', 1, [{ start: 0, end: 0 }]],
      ['Bytes=0-1', SIZE, [{ start: 0, end: 1 }]],
      ['BYTES=0-1', SIZE, [{ start: 0, end: 1 }]],
      ['bytes= 0-1 , , 4-5', SIZE, [{ start: 0, end: 1 }, { start: 4, end: 5 }]],
      ['bytes=0-1,', SIZE, [{ start: 0, end: 1 }]],
      ['bytes=,0-1', SIZE, [{ start: 0, end: 1 }]],
      ['bytes=0-1,\t4-5', SIZE, [{ start: 0, end: 1 }, { start: 4, end: 5 }]],
      // one satisfiable range is enough; the rest are dropped
      ['bytes=0-1, 5000-6000', SIZE, [{ start: 0, end: 1 }]],
      ['bytes=5000-, -10', SIZE, [{ start: 990, end: 999 }]],
    ] as const)('%j on a %i-byte file selects %j', (header, size, ranges) => {
      expect(parseRange(header, size)).toEqual({ kind: 'ranges', ranges });
    });
  });

  describe('coalescing and ordering', () => {
    test.each([
      ['bytes=0-1,2-3', [{ start: 0, end: 3 }]],
      ['bytes=0-5,3-8', [{ start: 0, end: 8 }]],
      ['bytes=0-10,2-3', [{ start: 0, end: 10 }]],
      ['bytes=4-5,0-1', [{ start: 0, end: 1 }, { start: 4, end: 5 }]],
      ['bytes=8-9,0-1,4-5', [{ start: 0, end: 1 }, { start: 4, end: 5 }, { start: 8, end: 9 }]],
      ['bytes=0-1,0-1,0-1', [{ start: 0, end: 1 }]],
      ['bytes=-100,0-899', [{ start: 0, end: 999 }]],
      ['bytes=500-,0-', [{ start: 0, end: 999 }]],
      ['bytes=0-0,2-2,1-1', [{ start: 0, end: 2 }]],
    ] as const)('%j yields the sorted, merged ranges %j', (header, ranges) => {
      expect(parseRange(header, SIZE)).toEqual({ kind: 'ranges', ranges });
    });
  });

  describe('unsatisfiable ranges (416)', () => {
    test.each([
      ['bytes=1000-', SIZE],
      ['bytes=1000-2000', SIZE],
      ['bytes=5000-6000', SIZE],
      ['bytes=-0', SIZE],
      ['bytes=-0, 1000-', SIZE],
      ['bytes=99999999999999999999-', SIZE],
      ['bytes=0-', 0],
      ['bytes=0-0', 0],
      ['bytes=-1', 0],
      ['bytes=-500', 0],
    ] as const)('%j on a %i-byte file is unsatisfiable', (header, size) => {
      expect(parseRange(header, size)).toEqual({ kind: 'unsatisfiable' });
    });
  });

  describe('ignored headers (serve the full 200)', () => {
    test.each([
      [undefined],
      [''],
      ['0-1'],
      ['items=0-1'],
      ['bits=0-1'],
      ['bytes'],
      ['bytes='],
      ['bytes= '],
      ['bytes=,,'],
      ['bytes=5-1'],
      ['bytes=0-1, 5-1'],
      ['bytes=a-b'],
      ['bytes=1-b'],
      ['bytes=a-1'],
      ['bytes=-a'],
      ['bytes=1-2-3'],
      ['bytes=--1'],
      ['bytes=-'],
      ['bytes=1'],
      ['bytes=0-1, x'],
      ['bytes=+1-2'],
      ['bytes=-1-'],
      ['bytes=1.5-2'],
      ['bytes=0x10-0x20'],
      ['bytes=0 - 1'],
      ['bytes=99999999999999999999-1'],
    ] as const)('%j is ignored (kind none)', (header) => {
      expect(parseRange(header, SIZE)).toEqual({ kind: 'none' });
    });
  });

  describe('range-spec count limit', () => {
    const specs = (count: number): string =>
      'bytes=' + Array.from({ length: count }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');

    test(`${MAX_RANGE_SPECS} range-specs are still honoured`, () => {
      const result = parseRange(specs(MAX_RANGE_SPECS), 100_000);
      expect(result.kind).toBe('ranges');
      expect(result.kind === 'ranges' && result.ranges.length).toBe(MAX_RANGE_SPECS);
    });

    test.each([MAX_RANGE_SPECS + 1, 1000])('%i range-specs make the header ignored', (count) => {
      expect(parseRange(specs(count), 100_000)).toEqual({ kind: 'none' });
    });

    test('more than the limit is ignored even when the specs would coalesce into one range', () => {
      const header = 'bytes=' + Array.from({ length: MAX_RANGE_SPECS + 1 }, () => '0-0').join(',');
      expect(parseRange(header, SIZE)).toEqual({ kind: 'none' });
    });

    test('empty list elements do not count toward the limit', () => {
      const header = 'bytes=' + Array.from({ length: MAX_RANGE_SPECS }, () => '0-0').join(', ,');
      expect(parseRange(header, SIZE)).toEqual({ kind: 'ranges', ranges: [{ start: 0, end: 0 }] });
    });
  });

  // Bug: toPosition() treats any digit string longer than 15 characters as Infinity, so
  // leading zeros (allowed by RFC 9110's 1*DIGIT) turn a small position into "very large".
  test.each([
    ['bytes=0-0000000000000005', [{ start: 0, end: 5 }]],
    ['bytes=0000000000000001-2', [{ start: 1, end: 2 }]],
    ['bytes=-0000000000000010', [{ start: 990, end: 999 }]],
  ] as const)('positions with leading zeros are read by value: %j selects %j', (header, ranges) => {
    expect(parseRange(header, SIZE)).toEqual({ kind: 'ranges', ranges });
  });
});

describe('coalesceRanges', () => {
  test.each([
    [[], []],
    [[{ start: 0, end: 9 }], [{ start: 0, end: 9 }]],
    [
      [{ start: 0, end: 4 }, { start: 5, end: 9 }],
      [{ start: 0, end: 9 }],
    ],
    [
      [{ start: 0, end: 4 }, { start: 6, end: 9 }],
      [{ start: 0, end: 4 }, { start: 6, end: 9 }],
    ],
    [
      [{ start: 6, end: 9 }, { start: 0, end: 4 }],
      [{ start: 0, end: 4 }, { start: 6, end: 9 }],
    ],
    [
      [{ start: 0, end: 9 }, { start: 2, end: 3 }],
      [{ start: 0, end: 9 }],
    ],
    [
      [{ start: 5, end: 7 }, { start: 0, end: 5 }, { start: 20, end: 30 }, { start: 8, end: 8 }],
      [{ start: 0, end: 8 }, { start: 20, end: 30 }],
    ],
  ] as const)('%j coalesces to %j', (input, expected) => {
    expect(coalesceRanges(input)).toEqual(expected);
  });

  test('does not reorder or modify its input', () => {
    const input: ByteRange[] = [{ start: 5, end: 9 }, { start: 0, end: 5 }];
    const copy = input.map((range) => ({ ...range }));
    coalesceRanges(input);
    expect(input).toEqual(copy);
  });
});

describe('toContentRange', () => {
  test.each([
    [{ start: 0, end: 0 }, 1, 'bytes 0-0/1'],
    [{ start: 0, end: 499 }, 1000, 'bytes 0-499/1000'],
    [{ start: 500, end: 999 }, 1000, 'bytes 500-999/1000'],
    [{ start: 1, end: 2 }, 2 ** 40, `bytes 1-2/${2 ** 40}`],
  ] as const)('%j of a %i-byte file is %j', (range, size, header) => {
    expect(toContentRange(range, size)).toBe(header);
  });
});
