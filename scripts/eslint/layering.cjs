'use strict';
/**
 * `symc/layering`: the runtime folders as a lint rule (the idea of VS Code's `code-layering` and
 * Signal-Desktop's file-suffix rules). Every import, re-export, `require()` and `import()` with a literal
 * specifier is checked against the policy below; the folder a file lives in says what it may import.
 *
 * - A layer lists the folders its relative imports may reach (its own folder always), whether it may use
 *   Node built-ins, and — for code that runs in a browser or a sandbox — which npm packages it may use.
 * - Everywhere: only `desktop/src/main` and `desktop/src/preload` import `electron`; only `common/crypto`
 *   imports libsodium; a module with a public face (below) is imported through it, never by a deep path.
 * - Tests (`*.test.ts(x)`, `server/test/`, `e2e/`) and tools (bench, scripts, release, build files) may
 *   reach across folders and use Node, but the three "everywhere" rules hold for them too.
 *
 * CommonJS so that jest (which compiles tests to CommonJS) can load it in its own test.
 */
const path = require('node:path');
const { builtinModules } = require('node:module');

const ROOT = path.resolve(__dirname, '../..');

/** Modules whose insides are private: from outside the folder, only these files (no extension) may be imported. */
const PUBLIC_ENTRIES = {
  'common/crypto': ['index'],
  'common/content': ['index'],
  // The IPC contract has its own small entries so the renderer, preload and bridge don't pull in the HTTP schemas.
  'common/contract': ['index', 'ipc', 'ipc-client', 'ipc-server'],
  'common/drafts': ['draft-editor'],
  // The server's domain modules: each names the files other modules (and server.ts/app.ts) may use — its
  // router and the few functions or types it shares. Everything else in the folder is its own business.
  'server/src/modules/accounts': ['accounts.routes', 'auth-key-hash', 'tokens'],
  'server/src/modules/attachments': [
    'attachments.routes',
    'attachment-binding',
    'attachment-gc',
    'blob-store',
    'create-blob-store',
  ],
  'server/src/modules/changes': ['change-bus', 'change-log', 'fanout', 'log-retention'],
  'server/src/modules/chats': ['chats.routes', 'chats.use-cases', 'chat-access', 'chat-summary'],
  'server/src/modules/contacts': ['contacts.routes', 'contacts.use-cases'],
  'server/src/modules/devices': ['devices.routes', 'inactivity-sweep'],
  'server/src/modules/drafts': ['drafts.routes', 'draft-persistence', 'draft-store'],
  'server/src/modules/messages': ['messages.routes', 'message-row', 'messages.use-cases'],
  'server/src/modules/pairing': ['pairing.routes', 'pairing-events'],
  'server/src/modules/settings': ['settings.routes', 'settings.use-cases'],
  'server/src/modules/sync': [
    'sync.routes',
    'fresh-sync',
    'fresh-sync-preparations',
    'sse-tickets',
    'stream-registry',
    'sync-status',
  ],
  'server/src/modules/users': ['users.routes'],
};

const ELECTRON_LAYERS = ['desktop/src/main', 'desktop/src/preload'];
const SODIUM = 'libsodium-wrappers-sumo';
const SODIUM_OWNER = 'common/crypto';

/**
 * First match wins (most specific first). `reach`: folders (or single files, no extension) relative imports
 * may resolve into besides the layer's own folder. `node`: Node built-ins allowed. `packages`: npm packages
 * allowed (`undefined` = any, except the "everywhere" rules).
 */
const LAYERS = [
  { dir: 'common', reach: ['common'], node: false, packages: ['zod', SODIUM] },
  {
    dir: 'desktop/src/renderer',
    reach: ['common/contract/ipc'],
    node: false,
    packages: ['react', 'react-dom', 'zustand'],
  },
  {
    dir: 'desktop/src/headless/bridge',
    reach: ['common/contract/ipc', 'common/contract/ipc-client'],
    node: false,
    packages: ['zod'],
  },
  {
    dir: 'desktop/src/preload',
    reach: ['common/contract/ipc', 'common/contract/ipc-client'],
    node: false,
    packages: ['electron', 'zod'],
  },
  { dir: 'desktop/src/main', reach: ['desktop/src/app', 'desktop/src/core', 'common'], node: true },
  { dir: 'desktop/src/app', reach: ['desktop/src/core', 'common'], node: true },
  { dir: 'desktop/src/core', reach: ['common'], node: true },
  { dir: 'desktop/src/headless', reach: ['desktop/src/app', 'desktop/src/core', 'common'], node: true },
  { dir: 'desktop/src/cli', reach: ['desktop/src/core', 'common'], node: true },
  { dir: 'mobile-pairing/src/core', reach: ['common'], node: false, packages: ['zod', 'jsqr', 'tus-js-client'] },
  { dir: 'mobile-pairing/src/cli', reach: ['mobile-pairing/src/core', 'common'], node: true },
  {
    dir: 'mobile-pairing/web',
    reach: ['mobile-pairing/src/core', 'common'],
    node: false,
    packages: ['react', 'react-dom', 'zustand', 'qrcode'],
  },
  { dir: 'server/src', reach: ['common', 'prisma/engine'], node: true },
  { dir: 'prisma', reach: [], node: true },
];

const NODE_BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));

function toPosix(p) {
  return p.split(path.sep).join('/');
}

function isUnder(file, dir) {
  return file === dir || file.startsWith(`${dir}/`);
}

/** `some/file.ts` → `some/file`; `some/dir/index` stays as it is. */
function stripExtension(file) {
  return file.replace(/\.(d\.ts|ts|tsx|mts|cts|js|mjs|cjs|jsx)$/, '');
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isTestFile(file) {
  return /\.test\.tsx?$/.test(file) || isUnder(file, 'server/test') || isUnder(file, 'e2e');
}

/**
 * The problems with importing `specifier` from `file` (repo-relative, POSIX), as messages; empty if allowed.
 * Exported for the rule's own test.
 */
function checkImport(file, specifier) {
  const problems = [];
  const layer = LAYERS.find((l) => isUnder(file, l.dir));
  const test = isTestFile(file);

  if (!specifier.startsWith('.') && !specifier.startsWith('/')) {
    const isNode = specifier.startsWith('node:') || NODE_BUILTINS.has(packageName(specifier));
    if (isNode) {
      if (layer && !layer.node && !test)
        problems.push(`${layer.dir}/ runs without Node: it may not import the Node built-in '${specifier}'`);
      return problems;
    }
    const name = packageName(specifier);
    if (name === 'electron' && !ELECTRON_LAYERS.some((dir) => isUnder(file, dir))) {
      problems.push(
        `only ${ELECTRON_LAYERS.join('/ and ')}/ import 'electron' (the core, app service and everything else run without it)`,
      );
    } else if (name === SODIUM && !isUnder(file, SODIUM_OWNER)) {
      problems.push(`only ${SODIUM_OWNER}/ imports libsodium: use the functions common/crypto exports`);
    } else if (layer && layer.packages && !layer.packages.includes(name) && !test) {
      problems.push(`${layer.dir}/ may import only these packages: ${layer.packages.join(', ')} (not '${name}')`);
    }
    return problems;
  }

  const target = stripExtension(
    toPosix(path.posix.normalize(path.posix.join(path.posix.dirname(file), toPosix(specifier)))),
  );
  for (const [moduleDir, entries] of Object.entries(PUBLIC_ENTRIES)) {
    if (!isUnder(target, moduleDir) || isUnder(file, moduleDir)) continue;
    const inside = target === moduleDir ? 'index' : target.slice(moduleDir.length + 1);
    if (!entries.includes(inside)) {
      const faces = entries.map((e) => (e === 'index' ? moduleDir : `${moduleDir}/${e}`));
      problems.push(
        `'${specifier}' reaches into ${moduleDir}/'s internals: import ${faces[0]}${
          faces.length > 1 ? ` (or ${faces.slice(1).join(', ')})` : ''
        } instead, or make the file part of the module's face in scripts/eslint/layering.cjs (PUBLIC_ENTRIES)`,
      );
    }
  }
  if (layer && !test && !isUnder(target, layer.dir) && !layer.reach.some((dir) => isUnder(target, dir))) {
    const allowed = layer.reach.length > 0 ? layer.reach.join(', ') : 'nothing outside it';
    problems.push(`${layer.dir}/ may import only from itself and ${allowed}; '${specifier}' resolves to ${target}`);
  }
  return problems;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the runtime folders (docs/ARCHITECTURE.md, "Layering rules")' },
    schema: [],
    messages: { layering: '{{problem}}' },
  },
  create(context) {
    const file = toPosix(path.relative(ROOT, context.filename));
    if (file.startsWith('..')) return {};
    const check = (node) => {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      for (const problem of checkImport(file, node.value))
        context.report({ node, messageId: 'layering', data: { problem } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportEqualsDeclaration: (node) => {
        if (node.moduleReference.type === 'TSExternalModuleReference') check(node.moduleReference.expression);
      },
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1)
          check(node.arguments[0]);
      },
    };
  },
};

module.exports = {
  layeringPlugin: { meta: { name: 'symc-layering' }, rules: { layering: rule } },
  checkImport,
  LAYERS,
  PUBLIC_ENTRIES,
};
