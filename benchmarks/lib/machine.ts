/** What the figures were measured on: printed with every result and written to RESULTS.md. */
import { cpus, totalmem } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  let model = list[0]?.model?.trim() ?? 'unknown';
  // Some virtual machines report a bare family name; /proc/cpuinfo may say more.
  if (existsSync('/proc/cpuinfo')) {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) model = m[1].trim();
  }
  return {
    nproc: list.length,
    cpuModel: model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function machineLine(m: MachineInfo = machineInfo()): string {
  return `${m.nproc} vCPU ${m.cpuModel}, ${m.memoryGiB} GiB RAM, Node ${m.node} (V8 ${m.v8}), ${m.platform}`;
}
