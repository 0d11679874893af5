/**
 * How much CPU *other* processes used while a measurement ran: all cores' busy time from /proc/stat,
 * minus this process's own CPU time (and any CPU the caller attributes to the measurement, such as the
 * Alertmanager under test), over wall time. The benchmarks share a 2-core machine with other work;
 * this says when that work competed and the figures are pessimistic.
 */
import { readFileSync } from 'node:fs';

/** Busy time of all cores since boot, seconds (/proc/stat; NaN where unavailable). */
function machineBusySeconds(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0);
    return busy / 100; // USER_HZ
  } catch {
    return NaN;
  }
}

/** Measures how many cores other processes kept busy between its creation and `otherCores()`. */
export function cpuProbe(): { otherCores(exclude?: number): number } {
  const busy0 = machineBusySeconds();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    /** `exclude`: CPU seconds of other processes that belong to the measurement (e.g. Alertmanager). */
    otherCores(exclude = 0) {
      const own = process.cpuUsage(own0);
      const other = machineBusySeconds() - busy0 - (own.user + own.system) / 1e6 - exclude;
      const wall = (performance.now() - t0) / 1000;
      return Number.isFinite(other) && wall > 0 ? Math.max(0, other / wall) : 0;
    },
  };
}

