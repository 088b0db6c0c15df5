import type Database from 'better-sqlite3';

/** The store's `settings` table: small JSON values by key (`LocalStore.settings`; user-settings.ts is its user). */
export class SettingsTable {
  private readonly readStatement: Database.Statement<[string], { value: string }>;
  private readonly writeStatement: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.readStatement = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.writeStatement = db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
  }

  read(key: string): string | null {
    return this.readStatement.get(key)?.value ?? null;
  }

  write(key: string, value: string): void {
    this.writeStatement.run(key, value);
  }
}
