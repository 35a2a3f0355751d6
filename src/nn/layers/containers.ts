/** Containers: `Sequential`, `ModuleList`, `ModuleDict`. */
import { ArgumentError, AxisError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { type AnyModule, Module } from '../module.js';

/** A module mapping one tensor to one tensor: what `Sequential` chains. */
export type TensorModule = Module<[Tensor], Tensor>;

function resolveIndex(op: string, i: number, n: number, allowEnd = false): number {
  const j = i < 0 ? i + n : i;
  if (!Number.isInteger(j) || j < 0 || j > n || (j === n && !allowEnd)) {
    throw new AxisError(`${op}: index ${i} is out of range for ${n} modules`);
  }
  return j;
}

function checkModule(op: string, m: unknown): void {
  if (!(m instanceof Module)) throw new ArgumentError(`${op}: expected a Module (got ${typeof m})`);
}

/**
 * Chains modules: `forward(x)` feeds `x` through each in order. Children are named
 * `'0'`, `'1'`, … (or by the keys of a `Map` passed instead).
 *
 * @example
 * ```ts
 * const net = new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 1));
 * net.forward(randn([8, 4])).shape; // [8, 1]
 * ```
 */
export class Sequential extends Module {
  declare private readonly _entries: [string, TensorModule][];

  constructor(...modules: TensorModule[] | [ReadonlyMap<string, TensorModule>]) {
    super();
    Object.defineProperty(this, '_entries', { value: [], enumerable: false });
    const first = modules[0];
    if (modules.length === 1 && first instanceof Map) {
      for (const [k, m] of first) this.add(k, m);
    } else for (const m of modules as TensorModule[]) this.append(m);
  }

  protected override _ownChildren(): [string, AnyModule][] {
    return this._entries.map(([n, m]) => [n, m as unknown as AnyModule]);
  }

  /** Number of modules. */
  get length(): number {
    return this._entries.length;
  }

  /** The module at position `i` (negative counts from the end). */
  get(i: number): TensorModule {
    return this._entries[resolveIndex('Sequential.get', i, this.length)]![1];
  }

  /** Appends `module` (named by its position); returns `this`. */
  append(module: TensorModule): this {
    return this.add(String(this.length), module);
  }

  /** Appends `module` under `name`. */
  add(name: string, module: TensorModule): this {
    checkModule('Sequential', module);
    if (name === '' || name.includes('.') || this._entries.some(([n]) => n === name)) {
      throw new ArgumentError(`Sequential: invalid or duplicate module name '${name}'`);
    }
    this._entries.push([name, module]);
    return this;
  }

  /** A new `Sequential` of the modules in [start, end) (the same module objects). */
  slice(start = 0, end = this.length): Sequential {
    return new Sequential(...this._entries.slice(start, end).map(([, m]) => m));
  }

  [Symbol.iterator](): Iterator<TensorModule> {
    return this._entries.map(([, m]) => m)[Symbol.iterator]();
  }

  /** Feeds `x` through every module in order. */
  forward(x: Tensor): Tensor {
    for (const [, m] of this._entries) x = m.forward(x);
    return x;
  }
}

/**
 * A list of submodules, registered so that their parameters are found (names
 * `'0'`, `'1'`, …). It has no `forward`: iterate it in the owner's `forward`.
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never[], never> {
  declare private readonly _items: M[];

  constructor(modules: Iterable<M> = []) {
    super();
    Object.defineProperty(this, '_items', { value: [], enumerable: false });
    this.extend(modules);
  }

  protected override _ownChildren(): [string, AnyModule][] {
    return this._items.map((m, i) => [String(i), m]);
  }

  /** Number of modules. */
  get length(): number {
    return this._items.length;
  }

  /** The module at `i` (negative counts from the end). */
  get(i: number): M {
    return this._items[resolveIndex('ModuleList.get', i, this.length)]!;
  }

  /** Replaces the module at `i`. */
  set(i: number, module: M): void {
    checkModule('ModuleList', module);
    this._items[resolveIndex('ModuleList.set', i, this.length)] = module;
  }

  /** Appends a module; returns `this`. */
  append(module: M): this {
    checkModule('ModuleList', module);
    this._items.push(module);
    return this;
  }

  /** Appends several modules; returns `this`. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts a module before position `i`. */
  insert(i: number, module: M): void {
    checkModule('ModuleList', module);
    this._items.splice(resolveIndex('ModuleList.insert', i, this.length, true), 0, module);
  }

  /** Removes and returns the module at `i` (default the last). */
  pop(i = -1): M {
    return this._items.splice(resolveIndex('ModuleList.pop', i, this.length), 1)[0]!;
  }

  [Symbol.iterator](): Iterator<M> {
    return this._items[Symbol.iterator]();
  }

  /** Not callable: a `ModuleList` only holds modules. */
  forward(): never {
    throw new ArgumentError('ModuleList has no forward(); iterate over it instead');
  }
}

/**
 * Submodules by name (insertion order), registered so that their parameters are
 * found (names `'<key>.<param>'`). It has no `forward`.
 */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<never[], never> {
  declare private readonly _map: Map<string, M>;

  constructor(modules: Iterable<[string, M]> | Record<string, M> = []) {
    super();
    Object.defineProperty(this, '_map', { value: new Map(), enumerable: false });
    const entries =
      Symbol.iterator in Object(modules)
        ? (modules as Iterable<[string, M]>)
        : Object.entries(modules as Record<string, M>);
    for (const [k, m] of entries) this.set(k, m);
  }

  protected override _ownChildren(): [string, AnyModule][] {
    return [...this._map];
  }

  /** Number of modules. */
  get size(): number {
    return this._map.size;
  }

  /** The module under `key` (throws if absent). */
  get(key: string): M {
    const m = this._map.get(key);
    if (!m) throw new ArgumentError(`ModuleDict: no module '${key}'`);
    return m;
  }

  /** Adds or replaces the module under `key`. */
  set(key: string, module: M): this {
    checkModule('ModuleDict', module);
    if (typeof key !== 'string' || key === '' || key.includes('.')) {
      throw new ArgumentError(`ModuleDict: key must be a non-empty string without '.' (got '${key}')`);
    }
    this._map.set(key, module);
    return this;
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this._map.has(key);
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: string): boolean {
    return this._map.delete(key);
  }

  /** The keys in insertion order. */
  keys(): string[] {
    return [...this._map.keys()];
  }

  /** The modules in insertion order. */
  values(): M[] {
    return [...this._map.values()];
  }

  /** `[key, module]` pairs in insertion order. */
  entries(): [string, M][] {
    return [...this._map.entries()];
  }

  [Symbol.iterator](): Iterator<[string, M]> {
    return this._map.entries();
  }

  /** Not callable: a `ModuleDict` only holds modules. */
  forward(): never {
    throw new ArgumentError('ModuleDict has no forward(); look modules up with get()');
  }
}
