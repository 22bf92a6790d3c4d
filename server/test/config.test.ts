import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, REPO_ROOT } from '../src/config.ts';

describe('loadConfig', () => {
  it('has defaults that need no database server', () => {
    const config = loadConfig({});
    expect(config).toEqual({ dataDir: path.join(REPO_ROOT, '.data'), port: 3000, host: '127.0.0.1', logLevel: 'info' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.embeddedPgPort).toBeUndefined();
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/flowdesk',
      FLOWDESK_DATA_DIR: 'rel/dir',
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      FLOWDESK_PG_PORT: '60000',
    });
    expect(config).toEqual({
      databaseUrl: 'postgres://u:p@db:5432/flowdesk',
      dataDir: path.resolve('rel/dir'),
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'debug',
      embeddedPgPort: 60000,
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '  ' })).toMatchObject({ port: 3000 });
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it.each([
    [{ PORT: 'http' }, /PORT must be an integer from 0 to 65535; got "http"/],
    [{ PORT: '70000' }, /PORT must be an integer/],
    [{ PORT: '-1' }, /PORT must be an integer/],
    [{ PORT: '30.5' }, /PORT must be an integer/],
    [{ FLOWDESK_PG_PORT: '0' }, /FLOWDESK_PG_PORT must be an integer from 1 to 65535; got "0"/],
    [{ LOG_LEVEL: 'verbose' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"/],
    [{ DATABASE_URL: 'localhost:5432/db' }, /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a URL/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toHaveLength(2);
    }
  });
});
