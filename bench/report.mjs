#!/usr/bin/env node
// Markdown report of a benchmark results file.
//
//   node bench/report.mjs                          latest full run in bench/results/, printed
//   node bench/report.mjs bench/results/X.json     a given run
//   node bench/report.mjs [FILE] --write           also rewrite docs/benchmarks.md between the markers
//
// Ratios are nabla's speed-up over a peer: peer time ÷ nabla time (for GEMM, equivalently nabla
// GFLOP/s ÷ peer GFLOP/s); above 1 nabla is faster. Both from medians measured in the same run.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { caseIds, caseLabel, flopsOf, TARGETS, WORKLOADS } from './lib/config.mjs';

export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';
export const PEERS = ['numpy', 'torch', 'tfjs-wasm', 'tfjs-cpu', 'jaxjs-wasm'];
const PEER_LABEL = {
  numpy: 'NumPy',
  torch: 'PyTorch',
  'tfjs-wasm': 'TF.js wasm',
  'tfjs-cpu': 'TF.js cpu',
  'jaxjs-wasm': 'jax-js wasm',
};

/** Per-case metrics (from `results[].metrics`, lower is better) that also get peer ratios. */
export const RATIO_METRICS = { vdp: ['loopPerStepMs'] };

/** nabla engines that produced results (the semi-space comparison run excluded). */
export function nablaVariants(results) {
  return Object.values(results.engines)
    .filter(
      (e) => /^nabla-/.test(e.engine) && !/-semi-/.test(e.engine) && e.available && e.results.length > 0,
    )
    .map((e) => e.engine);
}

/** The variant the headline numbers use: native when it ran, else js. */
export function primaryVariant(results) {
  const v = nablaVariants(results);
  return v.includes('nabla-native') ? 'nabla-native' : (v[0] ?? null);
}

function resultOf(results, engine, caseId) {
  return results.engines[engine]?.results?.find((r) => r.case === caseId) ?? null;
}

/** `{ [variant]: { [case]: { [peer]: speedup } } }` from medians of the same run. */
export function computeRatios(results) {
  const out = {};
  for (const v of nablaVariants(results)) {
    out[v] = {};
    for (const c of results.cases) {
      const mine = resultOf(results, v, c);
      if (!mine) continue;
      const row = {};
      for (const p of PEERS) {
        const theirs = resultOf(results, p, c);
        if (theirs) row[p] = theirs.median / mine.median;
      }
      out[v][c] = row;
      // Ratios of extra per-case metrics (`case#metric`), e.g. the ODE solver's loop time per step.
      for (const m of RATIO_METRICS[c] ?? []) {
        if (!(mine.metrics?.[m] > 0)) continue;
        const mrow = {};
        for (const p of PEERS) {
          const theirs = resultOf(results, p, c)?.metrics?.[m];
          if (theirs > 0) mrow[p] = theirs / mine.metrics[m];
        }
        out[v][`${c}#${m}`] = mrow;
      }
    }
  }
  return out;
}

/** Target verdicts for one variant. */
export function evaluateTargets(results, variant) {
  const ratios = results.ratios?.[variant] ?? computeRatios(results)[variant] ?? {};
  return TARGETS.map((t) => {
    const checks = [];
    for (const c of t.cases) {
      for (const p of t.peers) {
        const r = ratios[c]?.[p];
        checks.push({ case: c, peer: p, ratio: r ?? null });
      }
    }
    const measured = checks.filter((k) => k.ratio !== null);
    const relevant = t.cases.some((c) => results.cases.includes(c.split('#')[0]));
    let status;
    if (!relevant) status = 'not run';
    else if (measured.length === 0) status = 'no data';
    else if (measured.every((k) => k.ratio >= t.min))
      status = measured.length < checks.length ? 'met (partial data)' : 'met';
    else status = 'missed';
    return { ...t, checks, status };
  });
}

/** nabla-js medians per semi-space setting over the interleaved rounds, or null. */
export function semiComparison(results) {
  const cfg = results.settings?.semiSpace;
  const rounds = Object.values(results.engines).filter((e) => e.semi && e.results?.length);
  if (!cfg || !rounds.length) return null;
  const first = `nabla-${rounds[0].semi.backend ?? 'js'}`;
  if (!results.engines[first]?.results?.length) return null;
  const mainEngines = [first, ...rounds.filter((e) => e.semi.setting === cfg.main).map((e) => e.engine)];
  const otherEngines = rounds.filter((e) => e.semi.setting === cfg.other).map((e) => e.engine);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rows = [];
  for (const c of results.cases) {
    const mainRounds = mainEngines.map((e) => resultOf(results, e, c)?.median).filter((x) => x !== undefined);
    const otherRounds = otherEngines
      .map((e) => resultOf(results, e, c)?.median)
      .filter((x) => x !== undefined);
    if (!otherRounds.length || !mainRounds.length) continue;
    rows.push({ case: c, main: mean(mainRounds), other: mean(otherRounds), mainRounds, otherRounds });
  }
  const order = [cfg.main, ...rounds.map((e) => e.semi.setting)];
  return rows.length ? { engine: first, main: cfg.main, other: cfg.other, rows, order } : null;
}

// ---------------------------------------------------------------- formatting
const fmtNum = (x) => {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
};
const fmtRatio = (r) => (r === null || r === undefined || !Number.isFinite(r) ? '–' : `${fmtNum(r)}×`);

/** Display value of one result: GFLOP/s for GEMM (higher is better), else time. */
function display(caseId, r) {
  const flops = flopsOf(caseId);
  if (flops) {
    const g = (ms) => flops / ms / 1e6;
    return `${fmtNum(g(r.median))} [${fmtNum(g(r.q3))}–${fmtNum(g(r.q1))}]`;
  }
  const us = caseId.startsWith('overhead/');
  const f = (ms) => fmtNum(us ? ms * 1000 : ms);
  return `${f(r.median)} [${f(r.q1)}–${f(r.q3)}]`;
}

function cellFor(results, engine, caseId) {
  const e = results.engines[engine];
  if (!e) return '–';
  if (!e.available && e.results?.length === 0) return 'n/a';
  const r = resultOf(results, engine, caseId);
  if (r) return display(caseId, r);
  if (e.errors?.some((x) => x.case === caseId)) return 'error¹';
  if (e.skipped?.some((x) => x.case === caseId)) return 'skip¹';
  return '–';
}

function table(header, rows) {
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function describeMachine(results) {
  const m = results.machine;
  const v = results.versions;
  const la = (x) => (x ? x.map((n) => n.toFixed(2)).join(' / ') : '?');
  const lines = [
    `- **Machine:** ${m.cpuModel} (${[m.cpuFamilyModel, m.cpuFlags].filter(Boolean).join(', ')}), ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; ` +
      `load average (1/5/15 min) ${la(m.loadAverageAtStart)} at start, ${la(m.loadAverageAtEnd)} at end.`,
    `- **nabla** ${v.nabla} (commit ${v.gitCommit ?? '?'}${v.gitDirty ? ', uncommitted changes' : ''}), Node ${v.node} (V8 ${v.v8}); ` +
      `every JS process ran with ${results.settings.jsFlags.length ? `\`${results.settings.jsFlags.join(' ')}\`` : 'no V8 flags'}.`,
  ];
  const env = Object.entries(results.settings.env ?? {}).filter(
    ([k, val]) => val !== null && k.startsWith('OPENBLAS_'),
  );
  if (env.length) {
    lines.push(
      `- **Environment:** ${env.map(([k, val]) => `\`${k}=${val}\``).join(', ')} — inherited by the JS processes ` +
        '(so by any BLAS the nabla native backend loads), removed for the NumPy/PyTorch processes.',
    );
  }
  return lines;
}

function describeEngines(results) {
  const lines = [];
  for (const e of Object.values(results.engines)) {
    const i = e.info ?? {};
    let what = '';
    if (e.semi) continue;
    if (/^nabla-/.test(e.engine)) {
      if (!e.available) what = `unavailable — ${e.reason}`;
      else {
        const b = i.backend ?? {};
        let blas = '';
        if (b.gemm) blas = `, GEMM: ${b.gemm}`;
        else if (b.blas) blas = `, GEMM via ${b.blas.name}${b.blas.path ? ` (${b.blas.path})` : ''}`;
        const threads =
          typeof i.threads === 'number'
            ? `${i.threads} thread${i.threads > 1 ? 's' : ''}`
            : `threads chosen per case (see notes; default ${i.defaultThreads})`;
        what = `backend \`${b.name ?? '?'}\`, ${threads}${blas}`;
      }
    } else if (!e.available) {
      what = `not run — ${e.reason}`;
    } else if (e.engine === 'numpy' || e.engine === 'torch') {
      const ob = i.blas?.openblas;
      const blas = ob
        ? `OpenBLAS (${ob.config.replace(/^OpenBLAS /, '')}; kernels for core ${ob.corename})`
        : `BLAS libraries: ${(i.blas?.libraries ?? []).map((p) => path.basename(p)).join(', ') || 'unknown'}`;
      const threads =
        e.engine === 'torch'
          ? `; thread settings chosen per case (see notes), defaults torch ${i.defaultThreads}, OpenBLAS ${i.blasDefaultThreads}`
          : `; OpenBLAS threads chosen per case (see notes), default ${i.blasDefaultThreads}`;
      what = `${i.version}, Python ${i.python} (\`${i.executable}\`), ${blas}${threads}; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset`;
    } else if (e.engine.startsWith('tfjs')) {
      what = `${i.version}, backend ${i.backend}${e.engine === 'tfjs-wasm' ? ` (SIMD ${i.wasmSimd ? 'on' : 'off'}, threads ${i.threads ?? '?'})` : ''}`;
    } else if (e.engine.startsWith('jaxjs')) {
      what = `${i.version}, wasm backend, all timed functions \`jit\`-compiled`;
    }
    lines.push(`- **${e.engine}**: ${what}`);
  }
  return lines;
}

/** Skipped case ids → labels, a workload whose cases are all listed named once (`brownian` (12 cases)). */
function skippedList(cases) {
  const set = new Set(cases);
  const whole = Object.keys(WORKLOADS).filter((w) => {
    const ids = caseIds(w);
    return ids.length > 3 && ids.every((c) => set.has(c));
  });
  const covered = new Set(whole.flatMap((w) => caseIds(w)));
  return [
    ...cases.filter((c) => !covered.has(c)).map(caseLabel),
    ...whole.map((w) => `\`${w}\` (${caseIds(w).length} cases)`),
  ].join(', ');
}

/** Markdown body (without the markers). */
export function renderMarkdown(results, opts = {}) {
  const out = [];
  const primary = primaryVariant(results);
  const variants = nablaVariants(results);
  const engineCols = [
    ...Object.keys(results.engines).filter((n) => /^nabla-/.test(n) && !/-semi-/.test(n)),
    ...PEERS.filter((p) => results.engines[p]),
  ];
  const label = (n) => PEER_LABEL[n] ?? n;
  const notes = [];

  out.push(
    `_Generated by \`npm run bench\` (\`bench/run.mjs\`) on ${results.date.replace('T', ' ').slice(0, 16)} UTC in ${Math.round(results.wallS)} s` +
      `${opts.resultsFile ? `; raw numbers in \`${opts.resultsFile}\`` : ''}._`,
    '',
    ...describeMachine(results),
    ...describeEngines(results),
    '',
    'Cells: median over the timed samples, with the interquartile range in brackets (each sample averages ' +
      "enough calls to last ≥ 2 ms; warm-up calls excluded). Ratios: nabla's speed-up over the peer, " +
      'peer time ÷ nabla time from the medians of this run (> 1×: nabla is faster).',
    '',
  );

  // Targets
  if (primary) {
    out.push(`### Targets (${primary})`, '');
    const rows = evaluateTargets(results, primary).map((t) => {
      const measured = t.checks
        .filter((k) => k.ratio !== null)
        .map((k) => `${caseLabel(k.case)} vs ${label(k.peer)}: ${fmtRatio(k.ratio)}`)
        .join('; ');
      const icon = t.status.startsWith('met') ? '✅ met' : t.status === 'missed' ? '❌ missed' : t.status;
      const suffix = t.status === 'met (partial data)' ? ' (some cases have no peer number)' : '';
      return [t.text, `≥ ${fmtNum(t.min)}×`, measured || '–', `${icon}${suffix}`];
    });
    out.push(table(['target', 'needed speed-up', 'measured', 'status'], rows), '');
  }

  // GEMM
  const gemmCases = results.cases.filter((c) => c.startsWith('gemm/'));
  if (gemmCases.length) {
    out.push(`### 1. ${WORKLOADS.gemm.title} — GFLOP/s, higher is better`, '');
    out.push(
      table(
        ['case', ...engineCols.map(label)],
        gemmCases.map((c) => [caseLabel(c), ...engineCols.map((e) => cellFor(results, e, c))]),
      ),
      '',
    );
  }
  // Time-based workloads (the Brownian-path queries get their own per-query table below)
  const timeCases = results.cases.filter((c) => !c.startsWith('gemm/') && !c.startsWith('brownian/'));
  if (timeCases.length) {
    out.push('### 2–6 and diffeq workloads — time per call, lower is better', '');
    out.push(
      table(
        ['case', 'unit', ...engineCols.map(label)],
        timeCases.map((c) => [
          caseLabel(c),
          c.startsWith('overhead/') ? 'µs' : 'ms',
          ...engineCols.map((e) => cellFor(results, e, c)),
        ]),
      ),
      '',
    );
    const names = [...new Set(timeCases.map((c) => c.split('/')[0]))];
    out.push(...names.map((n) => `- ${WORKLOADS[n].title}.`), '');
  }
  // ODE workloads: the solvers' own statistics (medians over the timed calls).
  const diffeqCases = results.cases.filter((c) => ['vdp', 'node-train'].includes(c.split('/')[0]));
  if (diffeqCases.length) {
    const f = (x) => fmtNum(x);
    const n = (x) => (Number.isFinite(x) ? String(Math.round(x)) : '–');
    const rows = [];
    for (const c of diffeqCases) {
      for (const e of engineCols) {
        const r = resultOf(results, e, c);
        if (!r) continue;
        const m = r.metrics ?? {};
        if (c === 'vdp') {
          rows.push([
            caseLabel(c),
            label(e),
            f(r.median),
            `${f(m.loopPerStepMs)} (min ${f(m.loopPerStepMsMin)})`,
            n(m.steps),
            `${n(m.accepted)} / ${n(m.rejected)}`,
            n(m.fevals),
            f(m.loopMs),
            f(m.vfMs),
          ]);
        } else {
          rows.push([
            caseLabel(c),
            label(e),
            f(r.median),
            `${f(m.forwardLoopPerStepMs)} (forward)`,
            `${n(m.forwardSteps)}${m.backwardSteps !== undefined ? ` + ${n(m.backwardSteps)} backward` : ''}`,
            '–',
            '–',
            '–',
            `${f(m.forwardMs)} (forward solve)`,
          ]);
        }
      }
    }
    out.push('### ODE workloads — solver statistics (medians over the timed calls)', '');
    out.push(
      'Loop time = wall time of the solve minus the time inside the vector field (torchode\'s definition; nabla\'s ' +
        '`sol.stats.loopTimeMs`), per step = ÷ (accepted + rejected steps). The PyTorch baseline is a plain-PyTorch ' +
        'Dopri5 loop with nabla\'s controller defaults (`bench/peers/torch_diffeq.py`). For the training steps the ' +
        'last column is the forward solve\'s wall time.',
      '',
    );
    out.push(
      table(
        [
          'case',
          'engine',
          'wall ms/call',
          'loop ms/step',
          'steps',
          'accepted / rejected',
          'f evals',
          'loop ms',
          'vf ms',
        ],
        rows,
      ),
      '',
    );
  }

  // SDE solve loop: per-step times, and every nabla case against PyTorch's plain loop.
  const sdeCases = results.cases.filter((c) => c.startsWith('sde/'));
  if (sdeCases.length) {
    const steps = WORKLOADS.sde.steps;
    const us = (ms) => fmtNum(ms * 1000);
    const torchLoop = resultOf(results, 'torch', 'sde/plain-loop');
    const rows = [];
    for (const c of sdeCases) {
      for (const e of engineCols) {
        const r = resultOf(results, e, c);
        if (!r) continue;
        const m = r.metrics ?? {};
        rows.push([
          caseLabel(c),
          label(e),
          fmtNum(r.median),
          us(r.median / steps),
          m.loopPerStepMs !== undefined ? us(m.loopPerStepMs) : '–',
          m.steps !== undefined ? String(Math.round(m.steps)) : String(steps),
          torchLoop && e !== 'torch' ? fmtRatio(torchLoop.median / r.median) : '–',
        ]);
      }
    }
    out.push("### SDE solve — time per step, and each nabla case against PyTorch's plain loop", '');
    out.push(
      'Per step = wall time of the solve ÷ steps; loop = the solve minus the time inside the drift and diffusion ' +
        "(nabla's `sol.stats.loopTimeMs`). The last column compares every nabla case with the plain PyTorch loop " +
        "(`bench/peers/torch_sde.py`: randn increments, no Brownian-path object); nabla's diffeqsolve cases also " +
        'build and query a Brownian path, so their ratio includes that work.',
      '',
    );
    out.push(
      table(
        ['case', 'engine', 'ms/solve', 'µs/step', 'loop µs/step', 'steps', 'PyTorch plain loop ÷ this'],
        rows,
      ),
      '',
    );
  }
  // Brownian-path queries (nabla only): µs per query against the number of queries.
  const brownCases = results.cases.filter((c) => c.startsWith('brownian/'));
  if (brownCases.length) {
    const counts = WORKLOADS.brownian.counts;
    const series = [...new Set(brownCases.map((c) => c.split('/')[1]))];
    const rows = [];
    for (const e of engineCols) {
      if (!results.engines[e]?.results?.some((r) => r.case.startsWith('brownian/'))) continue;
      for (const s of series) {
        const [kind, order] = s.split('-');
        rows.push([
          kind === 'vbt' ? 'VirtualBrownianTree' : 'BrownianInterval',
          order === 'seq' ? 'sequential' : 'shuffled',
          label(e),
          ...counts.map((n) => {
            const r = resultOf(results, e, `brownian/${s}/${n}`);
            if (!r) return cellFor(results, e, `brownian/${s}/${n}`);
            const f = (ms) => fmtNum((ms * 1000) / n);
            return `${f(r.median)} [${f(r.q1)}–${f(r.q3)}]`;
          }),
        ]);
      }
    }
    out.push('### Brownian-path queries — µs per query, lower is better (nabla only)', '');
    out.push(
      `${WORKLOADS.brownian.title}. Cell: the call's median time ÷ n (interquartile range in brackets), so the ` +
        'small-n columns include building the path.',
      '',
    );
    out.push(
      table(
        ['path', 'order', 'engine', ...counts.map((n) => `n = ${n.toLocaleString('en-US')}`)],
        rows,
      ),
      '',
    );
  }

  // Ratios
  for (const v of variants) {
    const peers = PEERS.filter((p) => results.engines[p]?.results?.length);
    if (!peers.length) continue;
    out.push(`### Speed-up of ${v} over each peer (peer time ÷ nabla time)`, '');
    const ratios = results.ratios?.[v] ?? {};
    out.push(
      table(
        ['case', ...peers.map(label)],
        Object.keys(ratios)
          .filter((c) => peers.some((p) => ratios[c][p] !== undefined))
          .map((c) => [caseLabel(c), ...peers.map((p) => fmtRatio(ratios[c][p]))]),
      ),
      '',
    );
  }
  // Semi-space comparison (interleaved rounds: nabla-js = first round of the main setting).
  const semi = semiComparison(results);
  if (semi) {
    const name = (v) => (v === 'none' ? 'no flag (V8 default)' : `\`--max-semi-space-size=${v}\``);
    out.push(`### V8 young generation: ${semi.engine} with ${name(semi.main)} vs ${name(semi.other)}`, '');
    out.push(
      `Rounds interleaved (${semi.order.join(' → ')}); each cell is the mean of the rounds' medians, the rounds in ` +
        'parentheses. Ratio > 1×: the second setting is slower.',
      '',
    );
    const f = (c, x) => fmtNum(c.startsWith('overhead/') ? x * 1000 : x);
    // When the rounds of the two settings overlap, the difference is within this run's noise.
    const verdict = (r) => {
      const overlap =
        Math.max(Math.min(...r.mainRounds), Math.min(...r.otherRounds)) <=
        Math.min(Math.max(...r.mainRounds), Math.max(...r.otherRounds));
      if (overlap) return 'within round-to-round spread';
      return r.other > r.main ? 'second setting slower' : 'second setting faster';
    };
    const rows = semi.rows.map((r) => [
      caseLabel(r.case),
      `${f(r.case, r.main)} (${r.mainRounds.map((x) => f(r.case, x)).join(', ')})`,
      `${f(r.case, r.other)} (${r.otherRounds.map((x) => f(r.case, x)).join(', ')})`,
      fmtRatio(r.other / r.main),
      verdict(r),
    ]);
    out.push(
      table(['case (ms; µs per op)', name(semi.main), name(semi.other), 'second ÷ first', 'verdict'], rows),
      '',
    );
  }

  // Notes: unavailable engines, errors, skips, engine-specific notes.
  for (const e of Object.values(results.engines)) {
    for (const x of e.errors ?? [])
      notes.push(`${e.engine}, ${caseLabel(x.case)}: error — ${x.error.split('\n')[0]}`);
    const skips = new Map();
    for (const x of e.skipped ?? []) skips.set(x.reason, [...(skips.get(x.reason) ?? []), x.case]);
    for (const [reason, cs] of skips) notes.push(`${e.engine}: skipped ${skippedList(cs)} — ${reason}`);
    const configs = e.semi ? [] : (e.results ?? []).filter((r) => r.config);
    if (configs.length) {
      const tried = Object.keys(configs[0].calibration ?? {}).join(' | ');
      notes.push(
        `${e.engine}: thread setting per case, the fastest in a short calibration (tried: ${tried}) — ` +
          configs.map((r) => `${caseLabel(r.case)}: ${r.config}`).join('; '),
      );
    }
    const caseNotes = new Set(
      (e.results ?? []).filter((r) => r.note).map((r) => `${e.engine}, ${caseLabel(r.case)}: ${r.note}`),
    );
    notes.push(...caseNotes);
  }
  if (notes.length) out.push('¹ Notes:', '', ...notes.map((n) => `- ${n}`), '');
  return out.join('\n').trimEnd();
}

/** Replaces the text between the markers of `file` (creating the markers at the end if absent). */
export function writeDocs(md, file) {
  const block = `${START}\n${md}\n${END}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + END.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}

// ---------------------------------------------------------------- CLI
const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const benchDir = path.dirname(fileURLToPath(import.meta.url));
  const args = process.argv.slice(2);
  let file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    const dir = path.join(benchDir, 'results');
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f))
          .sort()
      : [];
    if (!files.length) {
      console.error('no results in bench/results/: run `npm run bench` first');
      process.exit(1);
    }
    file = path.join(dir, files[files.length - 1]);
  }
  const results = JSON.parse(readFileSync(file, 'utf8'));
  results.ratios ??= computeRatios(results);
  const root = path.resolve(benchDir, '..');
  const md = renderMarkdown(results, { resultsFile: path.relative(root, path.resolve(file)) });
  console.log(md);
  if (args.includes('--write')) {
    writeDocs(md, path.join(root, 'docs/benchmarks.md'));
    console.error('docs/benchmarks.md updated');
  }
}
