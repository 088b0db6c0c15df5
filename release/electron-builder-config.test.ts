/**
 * Offline checks of electron-builder.yml with electron-builder's own code: schema, protocol handler,
 * update feed, artifact names, icon, entitlements, and the list of node_modules kept out of the package.
 * The packaged file list itself is checked by release/packaged-files.test.ts (a real packaging run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Configuration, LinuxConfiguration } from 'app-builder-lib';
import { AppInfo } from 'app-builder-lib/out/appInfo';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { expandMacro } from 'app-builder-lib/out/util/macroExpander';
import { LinuxTargetHelper } from 'app-builder-lib/out/targets/LinuxTargetHelper';
import { Arch, DebugLogger, getArtifactArchName } from 'builder-util';
import { PNG } from 'pngjs';

import { REPO_ROOT, filePatterns, loadBuilderConfig, silenceBuilderLog } from './builder-config';
import { drawIcon, ICON_SIZE } from './icon/draw-icon';
import { exclusionPattern, readPackageJson, scanMainProcessImports, splitDependencies } from './node-modules';

type AppInfoHost = ConstructorParameters<typeof AppInfo>[0];
type LinuxPackagerLike = ConstructorParameters<typeof LinuxTargetHelper>[0];

const pkg = readPackageJson(REPO_ROOT);
let config: Configuration;

beforeAll(async () => {
  silenceBuilderLog();
  config = await loadBuilderConfig();
});

function appInfoFor(metadata: Record<string, unknown>, platformOptions: unknown = null): AppInfo {
  const host = { metadata, config, devMetadata: metadata } as unknown as AppInfoHost;
  return new AppInfo(host, null, platformOptions as ConstructorParameters<typeof AppInfo>[2]);
}

describe('(a) schema', () => {
  test('electron-builder.yml validates against electron-builder’s own schema', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  test('the validator does reject what the schema does not know (control)', async () => {
    const unknownNsisKey = { ...config, nsis: { ...config.nsis, perUser: true } } as unknown as Configuration;
    await expect(validateConfiguration(unknownNsisKey, new DebugLogger(false))).rejects.toThrow(/configuration\.nsis/);
    const unknownRootKey = { ...config, autoUpdate: true } as unknown as Configuration;
    await expect(validateConfiguration(unknownRootKey, new DebugLogger(false))).rejects.toThrow(/autoUpdate/);
  });
});

describe('(c) protocol handler', () => {
  test('both native SQLite modules (the store, the encrypted search index) are unpacked from the asar', () => {
    const unpack = [config.asarUnpack ?? []].flat();
    expect(unpack).toEqual(
      expect.arrayContaining([
        '**/node_modules/better-sqlite3/**/*',
        '**/node_modules/better-sqlite3-multiple-ciphers/**/*',
      ]),
    );
  });

  test('symc:// is registered as a protocol', () => {
    const schemes = (
      config.protocols === undefined || config.protocols === null ? [] : [config.protocols].flat()
    ).flatMap((p) => [p.schemes].flat());
    expect(schemes).toContain('symc');
  });

  test.each(['AppImage', 'deb', 'rpm'] as const)(
    'the %s desktop entry opens symc:// links and sits in Network;InstantMessaging;Chat',
    async (target) => {
      const targetKey = target === 'AppImage' ? 'appImage' : target;
      const linux = config.linux as LinuxConfiguration;
      const options = { ...linux, ...(config[targetKey] as object | undefined) };
      const metadata = { ...pkg, ...config.extraMetadata };
      const packager = {
        appInfo: appInfoFor(metadata, linux),
        platformSpecificBuildOptions: linux,
        config,
        info: { metadata },
        executableName: linux.executableName,
        fileAssociations: [],
      } as unknown as LinuxPackagerLike;

      const entry = await new LinuxTargetHelper(packager).computeDesktopEntry(options);

      const lines = new Map(
        entry
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      expect(lines.get('MimeType')?.split(';')).toContain('x-scheme-handler/symc');
      expect(lines.get('Categories')).toBe('Network;InstantMessaging;Chat;');
      expect(lines.get('Exec')).toMatch(/ %U$/); // the link reaches the app as an argument
      expect(lines.get('Name')).toBe('Symc');
      // Electron sets the Wayland app_id from desktopName; it must name this entry's file.
      expect(`${lines.get('StartupWMClass')}.desktop`).toBe(config.extraMetadata?.['desktopName']);
    },
  );
});

describe('(c) update feed', () => {
  const publishEntries = (): Array<Record<string, unknown>> =>
    [config.publish].flat().filter((p) => p != null) as Array<Record<string, unknown>>;

  test('the feed is a generic provider whose URL comes from SYMC_UPDATE_URL', () => {
    const [feed] = publishEntries();
    expect(feed?.['provider']).toBe('generic');
    const appInfo = appInfoFor(pkg);
    const saved = process.env['SYMC_UPDATE_URL'];
    try {
      process.env['SYMC_UPDATE_URL'] = 'https://updates.example.test/symc/stable';
      expect(expandMacro(String(feed?.['url']), null, appInfo)).toBe('https://updates.example.test/symc/stable');
      delete process.env['SYMC_UPDATE_URL'];
      // electron-builder refuses to build with the feed unset instead of baking in an empty URL.
      expect(() => expandMacro(String(feed?.['url']), null, appInfo)).toThrow(/SYMC_UPDATE_URL is not defined/);
    } finally {
      if (saved === undefined) delete process.env['SYMC_UPDATE_URL'];
      else process.env['SYMC_UPDATE_URL'] = saved;
    }
  });

  test('no platform overrides the feed with another provider', () => {
    for (const key of ['win', 'mac', 'linux', 'nsis', 'dmg', 'appImage', 'deb', 'rpm'] as const) {
      const section = config[key] as { publish?: unknown } | null | undefined;
      expect({ key, publish: section?.publish }).toEqual({ key, publish: undefined });
    }
  });

  test('Windows updates verify the installer’s signature', () => {
    expect(config.win?.verifyUpdateCodeSignature).not.toBe(false);
  });
});

describe('(d) artifact names carry the package.json version', () => {
  const targets = [
    { os: 'win', target: 'nsis', ext: 'exe', archs: [null] }, // one installer for x64 + arm64
    { os: 'mac', target: 'dmg', ext: 'dmg', archs: [Arch.x64, Arch.arm64] },
    { os: 'mac', target: 'zip', ext: 'zip', archs: [Arch.x64, Arch.arm64] },
    { os: 'linux', target: 'appImage', ext: 'AppImage', archs: [Arch.x64, Arch.arm64] },
    { os: 'linux', target: 'deb', ext: 'deb', archs: [Arch.x64, Arch.arm64] },
    { os: 'linux', target: 'rpm', ext: 'rpm', archs: [Arch.x64, Arch.arm64] },
  ] as const;

  /** The pattern electron-builder picks: target section, then platform section, then the root. */
  function patternFor(os: 'win' | 'mac' | 'linux', target: string): string {
    const targetSection = (config as Record<string, unknown>)[target] as { artifactName?: string } | undefined;
    const platformSection = config[os] as { artifactName?: string } | null | undefined;
    return (
      targetSection?.artifactName ??
      platformSection?.artifactName ??
      config.artifactName ??
      '${productName}-${version}-${arch}.${ext}'
    );
  }

  function namesFor(metadata: Record<string, unknown>): string[] {
    return targets.flatMap(({ os, target, ext, archs }) => {
      const appInfo = appInfoFor(metadata, config[os]);
      return archs.map((arch) =>
        expandMacro(patternFor(os, target), arch === null ? null : getArtifactArchName(arch, ext), appInfo, {
          ext,
          os,
        }),
      );
    });
  }

  test('every installer and update file name contains the version from package.json', () => {
    const names = namesFor(pkg);
    expect(names.length).toBe(11);
    for (const name of names) expect(name).toContain(`-${pkg.version}`);
    expect(names).toContain(`Symc-Setup-${pkg.version}.exe`);
    expect(names).toContain(`Symc-${pkg.version}-mac-arm64.dmg`);
    expect(names).toContain(`Symc-${pkg.version}-linux-x86_64.AppImage`);
    expect(names).toContain(`Symc-${pkg.version}-linux-amd64.deb`);
  });

  test('a different version in package.json produces different names (the version is not hard-coded)', () => {
    const names = namesFor({ ...pkg, version: '7.8.9-rc.1' });
    for (const name of names) {
      expect(name).toContain('-7.8.9-rc.1');
      expect(name).not.toContain(`-${pkg.version}-`);
    }
  });

  test('x64 and arm64 artifacts never overwrite each other', () => {
    const names = namesFor(pkg);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('package.json fields electron-builder needs', () => {
  test('main points at the compiled Electron entry', () => {
    expect(pkg.main).toBe('desktop/dist/main/main.js');
  });

  test('deb has a homepage and a maintainer e-mail', () => {
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect((pkg.author as { email?: string } | undefined)?.email).toMatch(/@/);
  });

  test.each([
    ['dist', ''],
    ['dist:win', '--win'],
    ['dist:mac', '--mac'],
    ['dist:linux', '--linux'],
  ])('npm run %s builds the app first, then packages %s without publishing', (script, flag) => {
    const command = pkg.scripts?.[script] ?? '';
    expect(command.startsWith('npm run build:desktop && electron-builder')).toBe(true);
    expect(command).toContain('--publish never');
    for (const other of ['--win', '--mac', '--linux']) expect(command.includes(other)).toBe(other === flag);
  });
});

describe('macOS signing inputs', () => {
  test('hardened runtime is on and both entitlement files exist and allow JIT', () => {
    expect(config.mac?.hardenedRuntime).toBe(true);
    for (const file of [config.mac?.entitlements, config.mac?.entitlementsInherit]) {
      expect(typeof file).toBe('string');
      const plist = readFileSync(join(REPO_ROOT, String(file)), 'utf8');
      expect(plist).toMatch(/<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
      expect(plist).not.toContain('<key>com.apple.security.app-sandbox</key>');
    }
  });

  test('notarization is not switched off', () => {
    expect(config.mac?.notarize).not.toBe(false);
  });
});

describe('icon', () => {
  test('build/icon.png is a 1024×1024 RGBA master with transparent corners (≥ 512 for .icns)', () => {
    const iconPath = join(REPO_ROOT, config.directories?.buildResources ?? 'build', 'icon.png');
    expect(existsSync(iconPath)).toBe(true);
    const png = PNG.sync.read(readFileSync(iconPath));
    expect([png.width, png.height]).toEqual([ICON_SIZE, ICON_SIZE]);
    expect(png.data[3]).toBe(0); // top-left corner
    expect(png.data[(512 * ICON_SIZE + 512) * 4 + 3]).toBe(255); // centre
  });

  test('build/icon.png is what release/icon/draw-icon.ts draws (run `npm run icons` after editing it)', () => {
    const committed = PNG.sync.read(readFileSync(join(REPO_ROOT, 'build', 'icon.png')));
    const drawn = drawIcon();
    expect(Buffer.compare(committed.data, drawn.data)).toBe(0);
  });
});

describe('node_modules kept out of the package', () => {
  let split: ReturnType<typeof splitDependencies>;
  beforeAll(() => {
    split = splitDependencies(REPO_ROOT);
  });

  test('every package the main process imports is a production dependency', () => {
    const production = new Set(Object.keys(pkg.dependencies ?? {}));
    const missing = [...scanMainProcessImports(REPO_ROOT)].filter(([name]) => !production.has(name));
    expect(missing.map(([name, files]) => `${name} (imported by ${files.join(', ')})`)).toEqual([]);
  });

  test('the server-only packages are excluded: the generated block is current (`npm run release:node-modules`)', () => {
    const patterns = new Set(filePatterns(config));
    const expected = split.excludedPackages.map(exclusionPattern);
    expect(expected.filter((p) => !patterns.has(p))).toEqual([]);
    const stale = [...patterns].filter(
      (p) =>
        p.startsWith('!node_modules/') &&
        p.endsWith('{,/**/*}') &&
        !p.startsWith('!node_modules/better-sqlite3/') &&
        !p.startsWith('!node_modules/better-sqlite3-multiple-ciphers/') &&
        !expected.includes(p),
    );
    expect(stale).toEqual([]);
  });

  test('the server’s own dependencies are among the excluded, the desktop’s are not', () => {
    for (const server of ['express', 'pg', 'pino', 'ioredis', '@prisma/client', 'prom-client', 'react']) {
      expect(split.excludedPackages).toContain(server);
    }
    for (const desktop of [
      'better-sqlite3',
      'libsodium-wrappers-sumo',
      'zod',
      'electron-updater',
      'qrcode',
      'better-sqlite3-multiple-ciphers',
    ]) {
      expect(split.excludedPackages).not.toContain(desktop);
    }
  });
});
