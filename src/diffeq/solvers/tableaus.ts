/**
 * Butcher tableaus (explicit and ESDIRK), with error estimates and dense-output
 * polynomials. Coefficients follow Diffrax 0.7 (which cites the original papers);
 * RK4 and the 3/8 rule are Kutta's.
 */

/** Dense output: `hermite` (cubic Hermite on y0, y1, f0, f1), `linear`, or per-stage weight polynomials. */
export type DenseSpec = 'hermite' | 'linear' | readonly (readonly number[])[];

/** A Runge–Kutta method. */
export interface ButcherTableau {
  /** Display name. */
  readonly name: string;
  /** Order of convergence. */
  readonly order: number;
  /** Order of the local error estimate (null without an embedded method). */
  readonly errorOrder: number | null;
  /** Stage times, `c[0] = 0`. */
  readonly c: readonly number[];
  /** Strictly lower triangular coefficients: `a[i]` has `i` entries. */
  readonly a: readonly (readonly number[])[];
  /** Solution weights. */
  readonly b: readonly number[];
  /** `b − b̂` (solution minus embedded weights), or null. */
  readonly bErr: readonly number[] | null;
  /** ESDIRK: the diagonal coefficient of stages 1…s−1 (stage 0 is explicit). */
  readonly gamma?: number;
  /** ESDIRK: predictor weights for each implicit stage's initial guess (`k_i ≈ Σ_j α_ij k_j`). */
  readonly predictor?: readonly (readonly number[])[];
  /** Dense output. */
  readonly dense: DenseSpec;
}

/** Whether the last stage is evaluated at `(t1, y1)` (first same as last). */
export function isFSAL(t: ButcherTableau): boolean {
  const s = t.c.length;
  if (s < 2 || t.c[s - 1] !== 1) return false;
  const last = t.a[s - 1]!;
  const g = t.gamma ?? 0;
  for (let j = 0; j < s - 1; j++) if (Math.abs(last[j]! - t.b[j]!) > 1e-15) return false;
  return Math.abs(t.b[s - 1]! - g) <= 1e-15;
}

// ---------------------------------------------------------------- polynomials

type Poly = number[];

function pmul(a: Poly, b: Poly): Poly {
  const out = new Array<number>(a.length + b.length - 1).fill(0);
  a.forEach((x, i) => {
    b.forEach((y, j) => {
      out[i + j]! += x * y;
    });
  });
  return out;
}

function pscale(a: Poly, s: number): Poly {
  return a.map((x) => x * s);
}

/** Product of polynomial factors given low-degree-first. */
function prod(scale: number, ...factors: Poly[]): Poly {
  return pscale(factors.reduce(pmul, [1]), scale);
}

// ---------------------------------------------------------------- explicit methods

/** Forward Euler (order 1, no error estimate). */
export const EULER_TABLEAU: ButcherTableau = {
  name: 'Euler',
  order: 1,
  errorOrder: null,
  c: [0],
  a: [[]],
  b: [1],
  bErr: null,
  dense: 'linear',
};

/** Heun's method (order 2, embedded Euler). */
export const HEUN_TABLEAU: ButcherTableau = {
  name: 'Heun',
  order: 2,
  errorOrder: 2,
  c: [0, 1],
  a: [[], [1]],
  b: [0.5, 0.5],
  bErr: [0.5, -0.5],
  dense: 'hermite',
};

/** Explicit midpoint (order 2, embedded Euler). */
export const MIDPOINT_TABLEAU: ButcherTableau = {
  name: 'Midpoint',
  order: 2,
  errorOrder: 2,
  c: [0, 0.5],
  a: [[], [0.5]],
  b: [0, 1],
  bErr: [1, -1],
  dense: 'hermite',
};

/** Ralston's method (the 2/3 one; order 2, embedded Euler). */
export const RALSTON_TABLEAU: ButcherTableau = {
  name: 'Ralston',
  order: 2,
  errorOrder: 2,
  c: [0, 2 / 3],
  a: [[], [2 / 3]],
  b: [0.25, 0.75],
  bErr: [0.75, -0.75],
  dense: 'hermite',
};

/** Classic fourth-order Runge–Kutta (no error estimate). */
export const RK4_TABLEAU: ButcherTableau = {
  name: 'RK4',
  order: 4,
  errorOrder: null,
  c: [0, 0.5, 0.5, 1],
  a: [[], [0.5], [0, 0.5], [0, 0, 1]],
  b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
  bErr: null,
  dense: 'hermite',
};

/** Kutta's 3/8 rule (order 4, no error estimate). */
export const RK38_TABLEAU: ButcherTableau = {
  name: 'RK38',
  order: 4,
  errorOrder: null,
  c: [0, 1 / 3, 2 / 3, 1],
  a: [[], [1 / 3], [-1 / 3, 1], [1, -1, 1]],
  b: [1 / 8, 3 / 8, 3 / 8, 1 / 8],
  bErr: null,
  dense: 'hermite',
};

/** Bogacki–Shampine 3(2), FSAL. */
export const BOSH3_TABLEAU: ButcherTableau = {
  name: 'Bosh3',
  order: 3,
  errorOrder: 3,
  c: [0, 1 / 2, 3 / 4, 1],
  a: [[], [1 / 2], [0, 3 / 4], [2 / 9, 1 / 3, 4 / 9]],
  b: [2 / 9, 1 / 3, 4 / 9, 0],
  bErr: [2 / 9 - 7 / 24, 1 / 3 - 1 / 4, 4 / 9 - 1 / 3, -1 / 8],
  dense: 'hermite',
};

const DOPRI5_B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0];
const DOPRI5_MID = [
  6025192743 / 30085553152 / 2,
  0,
  51252292925 / 65400821598 / 2,
  -2691868925 / 45128329728 / 2,
  187940372067 / 1594534317056 / 2,
  -1776094331 / 19743644256 / 2,
  11237099 / 235043384 / 2,
];

/** Shampine's 4th-order dense output for Dopri5 (the quartic through y0, y½, y1, f0, f1). */
function dopri5Dense(): number[][] {
  const last = DOPRI5_B.length - 1;
  return DOPRI5_B.map((b, i) => {
    const m = DOPRI5_MID[i]!;
    const d0 = i === 0 ? 1 : 0;
    const d1 = i === last ? 1 : 0;
    const a4 = 2 * (d1 - d0) + 16 * m - 8 * b;
    const a3 = 5 * d0 - 3 * d1 + 14 * b - 32 * m;
    const a2 = d1 - 4 * d0 + 16 * m - 5 * b;
    return [0, d0, a2, a3, a4];
  });
}

/** Dormand–Prince 5(4), FSAL, with Shampine's dense output. */
export const DOPRI5_TABLEAU: ButcherTableau = {
  name: 'Dopri5',
  order: 5,
  errorOrder: 5,
  c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
  a: [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  ],
  b: DOPRI5_B,
  bErr: [
    35 / 384 - 1951 / 21600,
    0,
    500 / 1113 - 22642 / 50085,
    125 / 192 - 451 / 720,
    -2187 / 6784 - -12231 / 42400,
    11 / 84 - 649 / 6300,
    -1.0 / 60.0,
  ],
  dense: dopri5Dense(),
};

const TS_B = [
  0.09646076681806523,
  1 / 100,
  0.4798896504144996,
  1.379008574103742,
  -3.290069515436081,
  2.324710524099774,
];
const TS_BHAT = [
  0.09468075576583945,
  0.009183565540343254,
  0.4877705284247616,
  1.234297566930479,
  -2.7077123499835256,
  1.866628418170587,
  1 / 66,
];

/** Tsitouras's 5th-order dense output (the stage weights as polynomials in θ). */
function tsit5Dense(): number[][] {
  const t: Poly = [0, 1];
  const t2: Poly = [0, 0, 1];
  return [
    prod(-1.0530884977290216, t, [-1.329989018975141, 1], [0.7139816917074209, -1.4364028541716352, 1]),
    prod(0.1017, t2, [1.294985250737463, -2.1966568338249752, 1]),
    prod(2.490627285651253, t2, [1.5780346820809248, -2.3853564547206165, 1]),
    prod(-16.548102889244902, [-1.2171292729553325, 1], [-0.6162040603780009, 1], t2),
    prod(47.37952196281928, [-1.2030712083723627, 1], [-0.6580472926535473, 1], t2),
    prod(-34.87065786149661, [-1.2, 1], [-0.6666666666666666, 1], t2),
    prod(2.5, [-1, 1], [-0.6, 1], t2),
  ];
}

/** Tsitouras 5(4), FSAL, with its own 5th-order dense output. */
export const TSIT5_TABLEAU: ButcherTableau = {
  name: 'Tsit5',
  order: 5,
  errorOrder: 5,
  c: [0, 161 / 1000, 327 / 1000, 9 / 10, 0.9800255409045097, 1, 1],
  a: [
    [],
    [161 / 1000],
    [-0.008480655492356989, 0.335480655492357],
    [2.8971530571054935, -6.359448489975075, 4.3622954328695815],
    [5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525],
    [5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401, -0.028269050394068383],
    TS_B,
  ],
  b: [...TS_B, 0],
  bErr: [...TS_B, 0].map((b, i) => b - TS_BHAT[i]!),
  dense: tsit5Dense(),
};

const D8_B = [
  14005451 / 335480064,
  0,
  0,
  0,
  0,
  -59238493 / 1068277825,
  181606767 / 758867731,
  561292985 / 797845732,
  -1041891430 / 1371343529,
  760417239 / 1151165299,
  118820643 / 751138087,
  -528747749 / 2220607170,
  1 / 4,
];
const D8_BHAT = [
  13451932 / 455176623,
  0,
  0,
  0,
  0,
  -808719846 / 976000145,
  1757004468 / 5645159321,
  656045339 / 265891186,
  -3867574721 / 1518517206,
  465885868 / 322736535,
  53011238 / 667516719,
  2 / 45,
  0,
  0,
];

/** Bogacki–Shampine's dense output for Dopri8, rows highest degree first (times θ). */
const D8_DENSE_HI: readonly (readonly number[])[] = [
  [-6.34483493928604, 22.139650499809406, -30.061056828966645, 19.999006933368396, -6.6910181737837595, 1],
  [0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
  [-39.61079198522025, 116.44221495503422, -121.49996277313346, 52.227353279294555, -7.6142658045872675, 0],
  [20.376121380879145, -67.14513188259572, 83.17210046398478, -46.89191641810936, 10.728139263042886, 0],
  [7.334709882679536, -16.56722435274965, 9.572450755599366, -0.18908932250105956, 0.5526637063753649, 0],
  [32.88017743524592, -89.9916014847245, 87.84060576772056, -35.70759759462221, 4.218656262566515, 0],
  [-10.158899052642676, 22.623748964853284, -17.415210777076297, 6.273644808324035, -0.6627209125361597, 0],
  [-12.540126809878256, 32.23623401673554, -28.590328951479098, 10.316088127245076, -1.2636789001135462, 0],
  [29.555300148451604, -82.10203154883598, 81.66309505843414, -34.76507698666118, 5.410603789859042, 0],
  [-41.79234864243906, 116.26621857911195, -114.93752913770093, 47.745797107822554, -7.032137906794574, 0],
  [20.300692582210083, -53.90207774663854, 50.255836422617605, -19.008209934160803, 2.3537586759714983, 0],
];

/** Dormand–Prince 8(7), FSAL, with Bogacki–Shampine's dense output. */
export const DOPRI8_TABLEAU: ButcherTableau = {
  name: 'Dopri8',
  order: 8,
  errorOrder: 8,
  c: [
    0,
    1 / 18,
    1 / 12,
    1 / 8,
    5 / 16,
    3 / 8,
    59 / 400,
    93 / 200,
    5490023248 / 9719169821,
    13 / 20,
    1201146811 / 1299019798,
    1,
    1,
    1,
  ],
  a: [
    [],
    [1 / 18],
    [1 / 48, 1 / 16],
    [1 / 32, 0, 3 / 32],
    [5 / 16, 0, -75 / 64, 75 / 64],
    [3 / 80, 0, 0, 3 / 16, 3 / 20],
    [29443841 / 614563906, 0, 0, 77736538 / 692538347, -28693883 / 1125000000, 23124283 / 1800000000],
    [
      16016141 / 946692911,
      0,
      0,
      61564180 / 158732637,
      22789713 / 633445777,
      545815736 / 2771057229,
      -180193667 / 1043307555,
    ],
    [
      39632708 / 573591083,
      0,
      0,
      -433636366 / 683701615,
      -421739975 / 2616292301,
      100302831 / 723423059,
      790204164 / 839813087,
      800635310 / 3783071287,
    ],
    [
      246121993 / 1340847787,
      0,
      0,
      -37695042795 / 15268766246,
      -309121744 / 1061227803,
      -12992083 / 490766935,
      6005943493 / 2108947869,
      393006217 / 1396673457,
      123872331 / 1001029789,
    ],
    [
      -1028468189 / 846180014,
      0,
      0,
      8478235783 / 508512852,
      1311729495 / 1432422823,
      -10304129995 / 1701304382,
      -48777925059 / 3047939560,
      15336726248 / 1032824649,
      -45442868181 / 3398467696,
      3065993473 / 597172653,
    ],
    [
      185892177 / 718116043,
      0,
      0,
      -3185094517 / 667107341,
      -477755414 / 1098053517,
      -703635378 / 230739211,
      5731566787 / 1027545527,
      5232866602 / 850066563,
      -4093664535 / 808688257,
      3962137247 / 1805957418,
      65686358 / 487910083,
    ],
    [
      403863854 / 491063109,
      0,
      0,
      -5068492393 / 434740067,
      -411421997 / 543043805,
      652783627 / 914296604,
      11173962825 / 925320556,
      -13158990841 / 6184727034,
      3936647629 / 1978049680,
      -160528059 / 685178525,
      248638103 / 1413531060,
      0,
    ],
    D8_B,
  ],
  b: [...D8_B, 0],
  bErr: [...D8_B, 0].map((b, i) => b - D8_BHAT[i]!),
  dense: D8_DENSE_HI.map((row) => [0, ...[...row].reverse()]),
};

// ---------------------------------------------------------------- ESDIRK methods

/** Implicit Euler as an ESDIRK (explicit first stage, used for the trapezoidal error estimate). */
export const IMPLICIT_EULER_TABLEAU: ButcherTableau = {
  name: 'ImplicitEuler',
  order: 1,
  errorOrder: 2,
  c: [0, 1],
  a: [[], [0]],
  gamma: 1,
  b: [0, 1],
  bErr: [-0.5, 0.5],
  predictor: [[], [1]],
  dense: 'linear',
};

const G3 = 0.4358665215;
const K3 = {
  a31: (-4 * G3 ** 2 + 6 * G3 - 1) / (4 * G3),
  a32: (-2 * G3 + 1) / (4 * G3),
  a41: (6 * G3 - 1) / (12 * G3),
  a42: -1 / ((24 * G3 - 12) * G3),
  a43: (-6 * G3 ** 2 + 6 * G3 - 1) / (6 * G3 - 3),
};
const TH3 = 1 / (2 * G3);

/** Kværnø's 3(2) ESDIRK: A- and L-stable, stiffly accurate, FSAL. */
export const KVAERNO3_TABLEAU: ButcherTableau = {
  name: 'Kvaerno3',
  order: 3,
  errorOrder: 3,
  c: [0, 2 * G3, 1, 1],
  a: [[], [G3], [K3.a31, K3.a32], [K3.a41, K3.a42, K3.a43]],
  gamma: G3,
  b: [K3.a41, K3.a42, K3.a43, G3],
  bErr: [K3.a41 - K3.a31, K3.a42 - K3.a32, K3.a43 - G3, G3],
  predictor: [[], [1], [1 - TH3, TH3], [K3.a31, K3.a32, G3]],
  dense: 'hermite',
};

const G5 = 0.26;
const K5 = [
  [],
  [G5],
  [0.13, 0.8403332099679081],
  [0.22371961478320504, 0.476755323197997, -0.06470895363112615],
  [0.16648564323248322, 0.1045001884159172, 0.03631482272098715, -0.13090704451073998],
  [0.13855640231268224, 0, -0.04245337201752043, 0.02446657898003141, 0.6194303907248068],
  [
    0.13659751177640292, 0, -0.05496908796538376, -0.04118626728321046, 0.629933048990164,
    0.06962479448202728,
  ],
];

/** Kværnø's 5(4) ESDIRK: A- and L-stable, stiffly accurate, FSAL. */
export const KVAERNO5_TABLEAU: ButcherTableau = {
  name: 'Kvaerno5',
  order: 5,
  errorOrder: 5,
  c: [0, 0.52, 1.230333209967908, 0.8957659843500759, 0.43639360985864756, 1, 1],
  a: K5,
  gamma: G5,
  b: [...K5[6]!, G5],
  // b − b̂, where the embedded solution b̂ = [a6·, γ, 0] is stage 6.
  bErr: [...K5[6]!.slice(0, 5).map((x, j) => x - K5[5]![j]!), K5[6]![5]! - G5, G5],
  predictor: [
    [],
    [1],
    [-1.366025403784441, 2.3660254037844357],
    [-0.19650552613122207, 0.8113579546496623, 0.38514757148155954],
    [0.10375304369958693, 0.937994698066431, -0.04174774176601781, 0],
    [-0.17281112873898072, 0.6235784481025847, 0.5492326806363959, 0, 0],
    [...K5[5]!, G5],
  ],
  dense: 'hermite',
};
