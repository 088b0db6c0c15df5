import fc from 'fast-check';
import type { z } from 'zod';

/**
 * fast-check arbitraries read from our zod contract: values that mostly pass a schema (its types, formats,
 * patterns, enums and bounds), with a wrong value slipped in at any level now and then — so a fuzzer gets
 * past validation into the handlers as often as it hammers validation itself.
 */

interface ZodInternals {
  _zod: { def: { type: string; [key: string]: unknown } };
}
type Check = {
  _zod: {
    def: { check: string; format?: string; pattern?: RegExp; minimum?: number; maximum?: number; value?: number };
  };
};

const defOf = (schema: unknown) => (schema as ZodInternals)._zod.def;

/** Strings that have broken servers before: control characters, bidi, huge, numeric-looking, prototype keys. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\u202Eevil',
    'null',
    'undefined',
    'true',
    '0',
    '-1',
    '1e309',
    'NaN',
    '9'.repeat(40),
    '__proto__',
    'constructor',
    '../../etc/passwd',
    "' OR 1=1 --",
    '%00',
    '%E0',
    '\ud800',
    'x'.repeat(5000),
    '💥'.repeat(300),
  ),
);

/** Any JSON value (wrong types anywhere), plus undefined (a missing field). */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));

export interface ArbitraryContext {
  /** Ids that exist on the server under test, so some requests reach real rows. */
  readonly ids: readonly string[];
}

function checksOf(schema: unknown): Check[] {
  return ((defOf(schema).checks as Check[] | undefined) ?? []).filter((c) => c?._zod?.def);
}

function stringArbitrary(schema: unknown, ctx: ArbitraryContext): fc.Arbitrary<string> {
  const def = defOf(schema) as { format?: string; pattern?: RegExp };
  if (def.format === 'uuid')
    return ctx.ids.length > 0
      ? fc.oneof(fc.constantFrom(...ctx.ids), fc.uuid({ version: 4 }))
      : fc.uuid({ version: 4 });
  if (def.format === 'datetime')
    return fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  const checks = checksOf(schema);
  const max = checks.find((c) => c._zod.def.check === 'max_length')?._zod.def.maximum;
  const min = checks.find((c) => c._zod.def.check === 'min_length')?._zod.def.minimum ?? 0;
  const pattern =
    def.pattern ?? checks.find((c) => c._zod.def.check === 'string_format' && c._zod.def.pattern)?._zod.def.pattern;
  if (pattern) {
    try {
      const matching = fc.stringMatching(pattern);
      return max === undefined ? matching : matching.filter((s) => s.length <= max);
    } catch {
      // A pattern fast-check cannot generate from: plain strings below.
    }
  }
  const plain = fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max ?? 40, 200) });
  // Free text is where control and invisible characters get in: one in four carries one somewhere.
  const salted = fc
    .tuple(
      plain,
      fc.constantFrom('\u0000', '\n', '\u001b[2J', '\u007f', '\u0085', '\u202E', '\u200B', '\uFEFF', '\ud800'),
      fc.nat(),
    )
    .map(([text, salt, at]) => text.slice(0, at % (text.length + 1)) + salt + text.slice(at % (text.length + 1)));
  return fc.oneof({ weight: 3, arbitrary: plain }, { weight: 1, arbitrary: salted });
}

function numberArbitrary(schema: unknown): fc.Arbitrary<number> {
  const checks = checksOf(schema);
  const bound = (name: string) => checks.find((c) => c._zod.def.check === name)?._zod.def.value;
  const min = bound('greater_than') ?? -1000;
  const max = bound('less_than') ?? 2 ** 31;
  const edges = [0, 1, -1, min, max, 2 ** 31 - 2, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 1.5, -0.5, 1e300].filter(
    Number.isFinite,
  );
  return fc.oneof(
    fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }),
    fc.constantFrom(...edges),
  );
}

/** Values that pass `schema` as far as a generator can tell. */
function validish(schema: unknown, ctx: ArbitraryContext, depth: number): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const inner = (s: unknown) => arbitraryFor(s, ctx, depth + 1);
  switch (def.type) {
    case 'string':
      return stringArbitrary(schema, ctx);
    case 'number':
    case 'int':
      return numberArbitrary(schema);
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'optional':
      return fc.option(inner(def.innerType), { nil: undefined });
    case 'nullable':
      return fc.option(inner(def.innerType), { nil: null });
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return inner(def.innerType);
    case 'pipe':
      return fc.oneof(inner(def.in), inner(def.out));
    case 'union':
      return fc.oneof(...(def.options as unknown[]).map(inner));
    case 'array':
      return fc.array(inner(def.element), { maxLength: 4 });
    case 'tuple':
      return fc.tuple(...(def.items as unknown[]).map(inner));
    case 'record':
      return fc.dictionary(fc.string({ maxLength: 8 }), inner(def.valueType), { maxKeys: 3 });
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      const required = Object.keys(shape).filter((k) => defOf(shape[k]).type !== 'optional');
      const record = fc.record(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, inner(v)])), {
        requiredKeys: required,
      });
      // Now and then a field the schema does not know (strict objects refuse it).
      return fc.oneof(
        { weight: 9, arbitrary: record },
        { weight: 1, arbitrary: fc.tuple(record, nastyString).map(([r, k]) => ({ ...r, [k || 'extra']: 1 })) },
      );
    }
    case 'void':
    case 'undefined':
      return fc.constant(undefined);
    default:
      return anyJson;
  }
}

/** Mostly valid for `schema`; at any level, 1 in 16 is a nasty string or a JSON value of the wrong type. */
export function arbitraryFor(schema: z.ZodType | unknown, ctx: ArbitraryContext, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return anyJson;
  return fc.oneof(
    { weight: 30, arbitrary: validish(schema, ctx, depth) },
    { weight: 1, arbitrary: nastyString },
    { weight: 1, arbitrary: anyJson },
  );
}
