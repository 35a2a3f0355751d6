// Shared plumbing of the JavaScript engine processes (nabla, TF.js, jax-js): argument parsing and
// an incremental JSON result file, rewritten after every case so that a process killed by the
// orchestrator's timeout still leaves its finished cases behind.
import { writeFileSync } from 'node:fs';

import { caseIds, WORKLOAD_NAMES } from './config.mjs';
import { measure } from './measure.mjs';

/** `--out FILE --only a,b --budget MS` → options. */
export function parseChildArgs(argv = process.argv.slice(2)) {
  const get = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = get('only');
  return {
    out: get('out'),
    only: only ? only.split(',').filter(Boolean) : WORKLOAD_NAMES,
    budgetMs: Number(get('budget') ?? 1000),
    variant: get('variant'),
    // `{ caseId: label }`: thread setting to use without calibration (repeat rounds of a case).
    fixedConfigs: get('configs') ? JSON.parse(get('configs')) : {},
  };
}

/** Result collector for one engine process. */
export function createRecorder(engine, args) {
  const doc = {
    engine,
    available: true,
    reason: null,
    info: {
      node: process.version,
      execArgv: process.execArgv,
      pid: process.pid,
    },
    results: [],
    skipped: [],
    errors: [],
    startedAt: new Date().toISOString(),
  };
  const flush = () => {
    doc.finishedAt = new Date().toISOString();
    if (args.out) writeFileSync(args.out, `${JSON.stringify(doc, null, 1)}\n`);
  };
  // Without --out the document is printed once, when the process exits.
  if (!args.out) process.on('exit', () => process.stdout.write(`${JSON.stringify(doc, null, 1)}\n`));
  const selected = new Set(args.only.flatMap((w) => caseIds(w)));
  /** Thread settings `{ label, apply }` tried per case (see `setThreadConfigs`). */
  let configs = [];
  return {
    doc,
    flush,
    /**
     * Thread settings to calibrate per case: `[{ label, apply() }]`. Every case is then timed with
     * the setting whose fastest calibration sample was lowest (recorded as `config`/`calibration`),
     * as the Python peers do.
     */
    setThreadConfigs(list) {
      configs = list;
    },
    /** Whether a case is selected by `--only`. */
    wants(caseId) {
      return selected.has(caseId);
    },
    unavailable(reason) {
      doc.available = false;
      doc.reason = reason;
      flush();
    },
    skip(caseId, reason) {
      if (!selected.has(caseId)) return;
      doc.skipped.push({ case: caseId, reason });
      flush();
    },
    /**
     * Sets up and times one case. `setup()` returns `{ fn, async?, check?, note?, reset?, metrics? }`;
     * `check()` (called after timing) returns a number (e.g. the last loss) recorded as a sanity value;
     * `reset()` is called right before the final measurement and `metrics()` after it (extra numbers
     * gathered by `fn` during that measurement, recorded as `metrics`).
     */
    async run(caseId, setup, opts = {}) {
      if (!selected.has(caseId)) return;
      const label = `[${engine}] ${caseId}`;
      try {
        const t0 = performance.now();
        const c = await setup();
        const setupMs = performance.now() - t0;
        const isAsync = c.async ?? false;
        // Thread settings (`configs`): a short calibration under each, then the fastest is timed.
        const fixed = configs.find((cfg) => cfg.label === args.fixedConfigs[caseId]);
        let chosen = fixed ?? (configs.length ? configs[0] : null);
        let calibration = null;
        if (!fixed && configs.length > 1) {
          calibration = {};
          for (const cfg of configs) {
            cfg.apply();
            const q = await measure(c.fn, {
              budgetMs: 250,
              minSamples: 3,
              maxSamples: 30,
              minWarmup: 1,
              warmupMs: 60,
              hardCapMs: 2500,
              async: isAsync,
            });
            calibration[cfg.label] = q.min; // fastest sample: least sensitive to other jobs
          }
          chosen = configs.reduce((best, cfg) =>
            calibration[cfg.label] < calibration[best.label] ? cfg : best,
          );
        }
        chosen?.apply();
        c.reset?.(); // per-call statistics (`metrics`) cover the final measurement only
        const stats = await measure(c.fn, { budgetMs: args.budgetMs, async: isAsync, ...opts });
        const check = c.check ? await c.check() : undefined;
        const entry = { case: caseId, unit: 'ms', ...stats, setupMs };
        // Extra per-case numbers (e.g. an ODE solver's loop time per step), `{ name: value }`.
        if (c.metrics) entry.metrics = c.metrics();
        if (chosen) entry.config = chosen.label;
        if (calibration) entry.calibration = calibration;
        if (check !== undefined) entry.check = check;
        if (c.note) entry.note = c.note;
        doc.results.push(entry);
        process.stderr.write(
          `${label}: median ${fmtMs(stats.median)} [${fmtMs(stats.q1)}–${fmtMs(stats.q3)}] n=${stats.n}×${stats.inner}${chosen ? ` (${chosen.label})` : ''}\n`,
        );
      } catch (err) {
        doc.errors.push({
          case: caseId,
          error: String(err?.stack ?? err)
            .split('\n')
            .slice(0, 6)
            .join('\n'),
        });
        process.stderr.write(`${label}: ERROR ${err?.message ?? err}\n`);
      }
      flush();
    },
  };
}

function fmtMs(ms) {
  return ms < 0.1 ? `${(ms * 1000).toFixed(2)} µs` : `${ms.toFixed(2)} ms`;
}
