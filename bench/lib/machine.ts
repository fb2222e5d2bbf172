import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** Facts about the machine a result was measured on. */
export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  kernel: string;
  /** os.loadavg() when the run started (1, 5, 15 min). */
  loadAvgAtStart: number[];
  gitCommit?: string;
  gitDirty?: boolean;
}

export function machineFacts(): MachineFacts {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  const facts: MachineFacts = {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    loadAvgAtStart: loadAvg(),
  };
  try {
    facts.gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    facts.gitDirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    // not a git checkout
  }
  return facts;
}

export function loadAvg(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Memory of a process from /proc/<pid>/status, in MiB (undefined where /proc is unavailable). */
export function processMemory(pid: number): { rssMiB?: number; peakRssMiB?: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number | undefined => {
      const m = new RegExp(`^${key}:\\s*(\\d+) kB`, 'm').exec(status);
      return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : undefined;
    };
    return { rssMiB: kb('VmRSS'), peakRssMiB: kb('VmHWM') };
  } catch {
    return {};
  }
}

/**
 * CPU accounting over a window, to tell how much of the machine other processes took while we
 * measured: machine busy time (/proc/stat) minus the server's (/proc/<pid>/stat) minus our own.
 */
export interface CpuWindow {
  /** Length of the window, s. */
  seconds: number;
  /** Cores' worth of CPU the server used on average. */
  server: number;
  /** Cores' worth the load generator (this process) used. */
  bench: number;
  /** Cores' worth everything else on the machine used: other engineers' tests, builds, … */
  others: number;
}

interface CpuSnapshot {
  at: number;
  machineBusy: number;
  serverTicks: number;
  self: NodeJS.CpuUsage;
}

const TICK = 100; // USER_HZ on Linux

function machineBusyTicks(): number {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0);
  } catch {
    return NaN;
  }
}

function processTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
  } catch {
    return NaN;
  }
}

export function cpuSnapshot(serverPid: number): CpuSnapshot {
  return { at: performance.now(), machineBusy: machineBusyTicks(), serverTicks: processTicks(serverPid), self: process.cpuUsage() };
}

export function cpuWindow(from: CpuSnapshot, serverPid: number): CpuWindow {
  const to = cpuSnapshot(serverPid);
  const seconds = (to.at - from.at) / 1000;
  const self = process.cpuUsage(from.self);
  const bench = (self.user + self.system) / 1e6 / seconds;
  const server = (to.serverTicks - from.serverTicks) / TICK / seconds;
  const busy = (to.machineBusy - from.machineBusy) / TICK / seconds;
  const r = (x: number): number => Math.round(x * 100) / 100;
  return { seconds: r(seconds), server: r(server), bench: r(bench), others: r(Math.max(0, busy - server - bench)) };
}
