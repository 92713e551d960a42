// Progress bars (cli-progress) on stderr, shown only when stderr is a terminal: piped or
// redirected runs (CI logs, `2> log`) stay quiet.
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

const QUIET: Progress = { update() {}, stop() {} };

/** Whether bars are drawn: stderr is a TTY, unless TABDIFF_PROGRESS=0 (or =1 to force). */
export function progressEnabled(): boolean {
  const forced = process.env.TABDIFF_PROGRESS;
  if (forced === '0') return false;
  if (forced === '1') return true;
  return process.stderr.isTTY === true;
}

/** A bar from 0 to total; `format` may use {bar} {percentage} {value} {total} {eta_formatted} and payload keys. */
export function createProgress(total: number, format: string, payload: Record<string, unknown> = {}): Progress {
  if (!progressEnabled()) return QUIET;
  const bar = new SingleBar(
    // noTTYOutput: with TABDIFF_PROGRESS=1 on a pipe, print plain lines instead of redrawing.
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 10, noTTYOutput: !process.stderr.isTTY },
    Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0, payload);
  let stopped = false;
  return {
    update(value, extra) {
      if (!stopped) bar.update(value, extra);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
