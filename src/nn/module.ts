/**
 * `Module`: the base class of layers and models (like `torch.nn.Module`).
 *
 * Parameters and submodules are discovered automatically from the instance's own
 * enumerable properties, in definition order:
 * - a `Parameter` value is a parameter named after the property;
 * - a `Module` value is a submodule (child) named after the property;
 * - an array of `Module`s (or of `Parameter`s) registers each element as `name.i`.
 *
 * Buffers (state that is not learned, like BatchNorm's running statistics) are
 * declared with `registerBuffer(name, tensor)` and then read and assigned as plain
 * properties; assigning a new tensor to the property replaces the buffer.
 *
 * @example
 * ```ts
 * class MLP extends Module {
 *   fc1 = new Linear(4, 8);
 *   fc2 = new Linear(8, 1);
 *   forward(x: Tensor): Tensor {
 *     return this.fc2.forward(relu(this.fc1.forward(x)));
 *   }
 * }
 * const net = new MLP();
 * net.namedParameters().map(([n]) => n); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
import { noGrad } from '../autograd/mode.js';
import { type DType, isFloating } from '../core/dtype.js';
import { ArgumentError, DTypeError, fmtShape, NablaError } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { type Storage, Tensor } from '../core/tensor.js';
import { copy_ } from '../ops/assign.js';
import { cast } from '../ops/cast.js';
import { zerosLike } from '../ops/creation.js';
import { Parameter } from './parameter.js';

/** A module with any forward signature (the element type of containers and module iterators). */
export type AnyModule = Module<never[], unknown>;

/** Parameters and persistent buffers by dotted name, as returned by `stateDict()`. */
export type StateDict = Record<string, Tensor>;

/** Options of `registerBuffer`. */
export interface BufferOptions {
  /** Whether the buffer is part of `stateDict()` (default true). */
  persistent?: boolean;
}

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). Shape mismatches are errors either way. */
  strict?: boolean;
}

/** Keys that did not match in `loadStateDict`. */
export interface LoadStateDictResult {
  /** Keys the module expects that the state dict lacks. */
  missingKeys: string[];
  /** Keys of the state dict that the module does not have. */
  unexpectedKeys: string[];
}

/** Thrown by `loadStateDict`: lists every missing, unexpected and mismatched key in one message. */
export class StateDictError extends NablaError {
  constructor(
    message: string,
    /** Keys the module expects that the state dict lacks. */
    readonly missingKeys: readonly string[],
    /** Keys of the state dict that the module does not have. */
    readonly unexpectedKeys: readonly string[],
    /** Keys present in both whose shapes differ. */
    readonly mismatchedKeys: readonly string[],
  ) {
    super(message);
  }
}

/** Options of `namedParameters`/`namedBuffers`. */
export interface NamedTensorsOptions {
  /** Prepended (with a dot) to every name. */
  prefix?: string;
  /** Include submodules' tensors (default true); otherwise only this module's own. */
  recurse?: boolean;
  /** Report a tensor shared by several modules once, under its first name (default true). */
  removeDuplicate?: boolean;
}

/** The writable view of a tensor's layout, used by `Module.to` to retype in place. */
interface MutableLayout {
  _storage: Storage;
  strides: readonly number[];
  offset: number;
  dtype: DType;
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function addIndent(s: string, spaces: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const pad = ' '.repeat(spaces);
  return [lines[0]!, ...lines.slice(1).map((l) => pad + l)].join('\n');
}

function checkName(owner: string, kind: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new ArgumentError(`${owner}: ${kind} name must be a non-empty string without '.' (got '${name}')`);
  }
}

/**
 * Base class of all layers and models. Subclasses implement `forward`; the type
 * parameters are the argument tuple and the result of `forward`.
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (true) or evaluation mode (false); see `train()`/`eval()`. */
  training = true;
  /** @internal buffer names in registration order. */
  declare private readonly _bufferNames: string[];
  /** @internal names of buffers excluded from `stateDict()`. */
  declare private readonly _nonPersistent: Set<string>;

  constructor() {
    Object.defineProperty(this, '_bufferNames', { value: [], enumerable: false });
    Object.defineProperty(this, '_nonPersistent', { value: new Set<string>(), enumerable: false });
  }

  /** The computation of the module. */
  abstract forward(...args: In): Out;

  // ---------------------------------------------------------------- registration

  /**
   * Registers a buffer: a tensor that is part of the module's state but is not a
   * parameter (e.g. running statistics). It becomes the property `this[name]`
   * (declare it in subclasses with `declare name: Tensor | null`), is moved by `to()`,
   * and, when `persistent` (default), saved in `stateDict()`. `null` registers an
   * empty slot that is skipped until a tensor is assigned.
   */
  registerBuffer(name: string, tensor: Tensor | null, opts: BufferOptions = {}): void {
    checkName('registerBuffer', 'buffer', name);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new ArgumentError(`registerBuffer: '${name}' must be a Tensor or null`);
    }
    if (tensor instanceof Parameter) {
      throw new ArgumentError(`registerBuffer: '${name}' is a Parameter; assign it as a property instead`);
    }
    const self = this as unknown as Record<string, unknown>;
    const existing = self[name];
    if (!this._bufferNames.includes(name)) {
      if (existing !== undefined && existing !== null) {
        throw new ArgumentError(`registerBuffer: attribute '${name}' already exists`);
      }
      this._bufferNames.push(name);
    }
    if (opts.persistent ?? true) this._nonPersistent.delete(name);
    else this._nonPersistent.add(name);
    self[name] = tensor;
  }

  /** Sets `this[name] = param` (a `Parameter` or null), checking the name. */
  registerParameter(name: string, param: Parameter | null): void {
    checkName('registerParameter', 'parameter', name);
    if (param !== null && !(param instanceof Parameter)) {
      throw new ArgumentError(`registerParameter: '${name}' must be a Parameter or null`);
    }
    if (this._bufferNames.includes(name)) {
      throw new ArgumentError(`registerParameter: '${name}' is already a buffer`);
    }
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  /** Sets `this[name] = module` (a `Module` or null), checking the name. */
  registerModule(name: string, module: AnyModule | null): void {
    checkName('registerModule', 'module', name);
    if (module !== null && !(module instanceof Module)) {
      throw new ArgumentError(`registerModule: '${name}' must be a Module or null`);
    }
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  // ---------------------------------------------------------------- discovery hooks

  /** @internal this module's own parameters (not its children's), in definition order. */
  protected _ownParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      const v = self[key];
      if (v instanceof Parameter) out.push([key, v]);
      else if (Array.isArray(v) && v.length > 0 && v.every((e) => e instanceof Parameter)) {
        v.forEach((p: Parameter, i) => {
          out.push([`${key}.${i}`, p]);
        });
      }
    }
    return out;
  }

  /** @internal this module's direct submodules, in definition order. */
  protected _ownChildren(): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      const v = self[key];
      if (v instanceof Module) out.push([key, v as AnyModule]);
      else if (Array.isArray(v) && v.length > 0 && v.every((e) => e instanceof Module)) {
        v.forEach((m: AnyModule, i) => {
          out.push([`${key}.${i}`, m]);
        });
      }
    }
    return out;
  }

  /** @internal this module's own buffers (null slots included), in registration order. */
  protected _ownBuffers(): [string, Tensor | null, boolean][] {
    const self = this as unknown as Record<string, unknown>;
    return this._bufferNames.map((n) => {
      const v = self[n];
      return [n, v instanceof Tensor ? v : null, !this._nonPersistent.has(n)];
    });
  }

  // ---------------------------------------------------------------- iteration

  /** All modules of the tree (this one first, name ''), pre-order, each once. */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const visit = (m: AnyModule, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [n, c] of m._ownChildren()) visit(c, join(name, n));
    };
    visit(this as unknown as AnyModule, prefix);
    return out;
  }

  /** All modules of the tree (this one first), pre-order, each once. */
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** The direct submodules with their names, each once. */
  namedChildren(): [string, AnyModule][] {
    const seen = new Set<AnyModule>();
    return this._ownChildren().filter(([, m]) => {
      if (seen.has(m)) return false;
      seen.add(m);
      return true;
    });
  }

  /** The direct submodules. */
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  private _namedTensors<T extends Tensor>(
    own: (m: AnyModule) => [string, T][],
    opts: NamedTensorsOptions,
  ): [string, T][] {
    const prefix = opts.prefix ?? '';
    const mods: [string, AnyModule][] =
      (opts.recurse ?? true) ? this.namedModules(prefix) : [[prefix, this as unknown as AnyModule]];
    const seen = new Set<Tensor>();
    const out: [string, T][] = [];
    for (const [mp, m] of mods) {
      for (const [n, t] of own(m)) {
        if (opts.removeDuplicate ?? true) {
          if (seen.has(t)) continue;
          seen.add(t);
        }
        out.push([join(mp, n), t]);
      }
    }
    return out;
  }

  /** Parameters with dotted names (`'fc1.weight'`), each shared parameter once by default. */
  namedParameters(opts: NamedTensorsOptions = {}): [string, Parameter][] {
    return this._namedTensors((m) => m._ownParameters(), opts);
  }

  /** The parameters (of the whole tree unless `recurse: false`), each once. */
  parameters(opts: { recurse?: boolean } = {}): Parameter[] {
    return this.namedParameters(opts).map(([, p]) => p);
  }

  /** Buffers (non-null) with dotted names, persistent or not. */
  namedBuffers(opts: NamedTensorsOptions = {}): [string, Tensor][] {
    return this._namedTensors(
      (m) =>
        m
          ._ownBuffers()
          .filter((b) => b[1] !== null)
          .map(([n, t]) => [n, t!] as [string, Tensor]),
      opts,
    );
  }

  /** The buffers (of the whole tree unless `recurse: false`). */
  buffers(opts: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(opts).map(([, b]) => b);
  }

  /** Looks a submodule up by dotted path (`''` is this module; array elements are `name.i`). */
  getSubmodule(target: string): AnyModule {
    let m = this as unknown as AnyModule;
    if (target === '') return m;
    const parts = target.split('.');
    let i = 0;
    while (i < parts.length) {
      const children = new Map(m._ownChildren());
      let next: AnyModule | undefined;
      // Child names may contain dots (modules held in arrays): take the longest match.
      for (let j = parts.length; j > i && !next; j--) {
        next = children.get(parts.slice(i, j).join('.'));
        if (next) i = j;
      }
      if (!next)
        throw new ArgumentError(`getSubmodule: ${m.constructor.name} has no submodule '${parts[i]}'`);
      m = next;
    }
    return m;
  }

  /** Looks a parameter up by its dotted name in `namedParameters()` (`'encoder.fc.weight'`). */
  getParameter(target: string): Parameter {
    const p = this.namedParameters({ removeDuplicate: false }).find(([n]) => n === target)?.[1];
    if (!p) throw new ArgumentError(`getParameter: ${this.constructor.name} has no parameter '${target}'`);
    return p;
  }

  // ---------------------------------------------------------------- modes and bulk updates

  /** Sets training mode (true) or evaluation mode (false) on the whole tree; returns `this`. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`): dropout off, batch norm uses running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on every submodule (children first, recursively) and then on this module. */
  apply(fn: (module: AnyModule) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this as unknown as AnyModule);
    return this;
  }

  /** Sets `requiresGrad` of every parameter (e.g. `false` to freeze); returns `this`. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /**
   * Clears the gradients of all parameters: sets them to null (default), or with
   * `setToNone: false` fills them with zeros in place.
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? true;
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) p.grad = null;
      else if (p.grad.requiresGrad || !p.grad.isLeaf) p.grad = zerosLike(p.grad);
      else noGrad(() => copy_(p.grad!, 0));
    }
  }

  /** Number of parameter elements (shared parameters counted once). */
  numParameters(opts: { onlyTrainable?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts.onlyTrainable || p.requiresGrad) n += p.size;
    return n;
  }

  /**
   * Casts every floating parameter and buffer (and gradient) to `dtype`, in place:
   * the tensors keep their identity (so optimisers built on `parameters()` keep
   * working) but get new storage. Integer buffers (e.g. `numBatchesTracked`) are
   * left alone. Distinct `Parameter` objects that shared storage stop sharing it.
   */
  to(dtype: DType): this {
    if (!isFloating(dtype)) {
      throw new DTypeError(`Module.to: only floating dtypes are supported (got ${dtype})`);
    }
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        if (!isFloating(t.dtype) || t.dtype === dtype) continue;
        const c = cast(t.detach(), dtype);
        const m = t as unknown as MutableLayout;
        m._storage = c._storage;
        m.strides = c.strides;
        m.offset = c.offset;
        m.dtype = dtype;
        if (t.grad) t.grad = cast(t.grad.detach(), dtype);
      }
    });
    return this;
  }

  /** `to('float32')`. */
  float(): this {
    return this.to('float32');
  }

  /** `to('float64')`. */
  double(): this {
    return this.to('float64');
  }

  // ---------------------------------------------------------------- state dicts

  /** Own then children's (parameter | persistent buffer) entries, not deduplicated. */
  private _stateEntries(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const path = new Set<AnyModule>();
    const visit = (m: AnyModule, prefix: string) => {
      if (path.has(m)) return; // a reference back up the tree
      path.add(m);
      for (const [n, p] of m._ownParameters()) out.push([prefix + n, p]);
      for (const [n, b, persistent] of m._ownBuffers()) if (b && persistent) out.push([prefix + n, b]);
      for (const [n, c] of m._ownChildren()) visit(c, `${prefix}${n}.`);
      path.delete(m);
    };
    visit(this as unknown as AnyModule, '');
    return out;
  }

  /**
   * Parameters and persistent buffers by dotted name, in registration order
   * (own parameters, own buffers, then each child's). The values are detached
   * tensors sharing storage with the module (like PyTorch): clone them to snapshot.
   * A parameter shared by several modules appears under each name.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [n, t] of this._stateEntries()) out[n] = t.detach();
    return out;
  }

  /**
   * Copies the values of `stateDict` into the parameters and buffers in place
   * (converting dtypes). All keys are checked before anything is copied: a shape
   * mismatch is always an error; with `strict` (default) missing and unexpected keys
   * are too, all reported in one `StateDictError`. Returns the keys that did not match.
   */
  loadStateDict(stateDict: StateDict, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const entries = this._stateEntries();
    const own = new Set(entries.map(([n]) => n));
    const missingKeys = entries.map(([n]) => n).filter((n) => !(n in stateDict));
    const unexpectedKeys = Object.keys(stateDict).filter((n) => !own.has(n));
    const problems: string[] = [];
    if (strict && missingKeys.length) {
      problems.push(`missing keys: ${missingKeys.map((k) => `'${k}'`).join(', ')}`);
    }
    if (strict && unexpectedKeys.length) {
      problems.push(`unexpected keys: ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}`);
    }
    const mismatchedKeys: string[] = [];
    for (const [n, dst] of entries) {
      if (!(n in stateDict)) continue;
      const src = stateDict[n];
      if (!(src instanceof Tensor)) {
        mismatchedKeys.push(n);
        problems.push(`value for '${n}' is not a Tensor`);
      } else if (!shapesEqual(src.shape, dst.shape)) {
        mismatchedKeys.push(n);
        problems.push(
          `size mismatch for '${n}': shape ${fmtShape(src.shape)} in the state dict, ${fmtShape(dst.shape)} in the model`,
        );
      }
    }
    if (problems.length) {
      throw new StateDictError(
        `loadStateDict: error(s) loading the state dict of ${this.constructor.name}:\n  ${problems.join('\n  ')}`,
        missingKeys,
        unexpectedKeys,
        mismatchedKeys,
      );
    }
    noGrad(() => {
      for (const [n, dst] of entries) {
        const src = stateDict[n];
        if (src && src !== dst) copy_(dst, src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---------------------------------------------------------------- printing

  /** Extra information shown between the parentheses by `toString()` (override in layers). */
  extraRepr(): string {
    return '';
  }

  /** The module tree, like PyTorch's repr. */
  toString(): string {
    const lines: string[] = [];
    const extra = this.extraRepr();
    if (extra) lines.push(...extra.split('\n'));
    for (const [n, c] of this._ownChildren()) lines.push(`(${n}): ${addIndent(c.toString(), 2)}`);
    const name = this.constructor.name;
    if (lines.length === 0) return `${name}()`;
    if (lines.length === 1 && !extra.includes('\n') && this._ownChildren().length === 0) {
      return `${name}(${extra})`;
    }
    return `${name}(\n  ${lines.join('\n  ')}\n)`;
  }
}

/**
 * Calls `module.forward(...args)` with some parameters or buffers replaced by the given
 * tensors (by dotted name, as in `namedParameters()`), restoring them afterwards (like
 * `torch.func.functional_call`). Gradients then flow to the given tensors, which makes
 * a module usable as a pure function of its weights (gradcheck, meta-learning, …).
 */
export function functionalCall<In extends unknown[], Out>(
  module: Module<In, Out>,
  tensors: Readonly<Record<string, Tensor>>,
  ...args: In
): Out {
  const saved: [Record<string, unknown>, string, unknown][] = [];
  try {
    for (const [name, t] of Object.entries(tensors)) {
      const i = name.lastIndexOf('.');
      const owner = module.getSubmodule(i < 0 ? '' : name.slice(0, i)) as unknown as Record<string, unknown>;
      const attr = name.slice(i + 1);
      if (!(owner[attr] instanceof Tensor)) {
        throw new ArgumentError(
          `functionalCall: '${name}' is not a parameter or buffer of ${module.constructor.name}`,
        );
      }
      saved.push([owner, attr, owner[attr]]);
      owner[attr] = t;
    }
    return module.forward(...args);
  } finally {
    for (let k = saved.length - 1; k >= 0; k--) {
      const [owner, attr, v] = saved[k]!;
      owner[attr] = v;
    }
  }
}
