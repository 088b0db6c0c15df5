// Packages that ship ES modules only (the tus upload server and what it imports). Jest's CommonJS sandbox
// can't load them as they are, so both jest configs compile them with ts-jest like our own sources.
const ESM_ONLY_PACKAGES = ['@tus', 'srvx'];

export const ESM_ONLY_TRANSFORM = `/node_modules/(${ESM_ONLY_PACKAGES.join('|')})/.+\\.m?js$`;
export const ESM_ONLY_IGNORE = `/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`;
