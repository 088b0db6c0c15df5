export const layeringPlugin = { rules: { layering: { meta: { type: 'problem', schema: [] }, create: () => ({}) } } };
