import { z } from 'zod';

export interface RequestSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
}
export const request = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): RequestSpec<I, O> => ({
  input,
  output,
});

export const Empty = z.strictObject({});
export const Ok = z.object({ ok: z.literal(true) });
