import { readFileSync } from 'node:fs';

/** Clock ticks per second used by /proc/<pid>/stat on Linux (USER_HZ). */
const USER_HZ = 100;

/**
 * CPU time (user + system, in ms) consumed so far by another process, read from
 * /proc/<pid>/stat. Resolution is one clock tick (10 ms). Linux only.
 */
export function readProcessCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are space separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]); // field 14 of the full line
  const stime = Number(fields[12]); // field 15
  return ((utime + stime) * 1000) / USER_HZ;
}

/** CPU time (user + system, in ms) consumed so far by this process, µs resolution. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
