/**
 * The `Optimizer` base class: parameter groups, per-parameter state, `step()`,
 * `zeroGrad()` and state dicts (PyTorch's `torch.optim.Optimizer` semantics).
 *
 * Subclasses implement `updateParam`, which works directly on the contiguous
 * float storage of a parameter and of its state buffers (no tensor allocation
 * per step). Parameters that are strided views are gathered, updated and
 * written back.
 */
import { enableGrad, noGrad } from '../autograd/mode.js';
import { getBackend } from '../backend/index.js';
import { allocArray, type DataArray, isFloating } from '../core/dtype.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../core/errors.js';
import { contiguousStrides, shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

/** Float storage a parameter or state buffer lives in. */
export type FloatArray = Float32Array | Float64Array;

/** Hyper-parameters every optimiser has. */
export interface GroupOptions {
  /** Learning rate. */
  lr: number;
}

/**
 * A parameter group: the parameters plus every hyper-parameter (defaults filled in).
 * Schedulers read and write `lr` (and `momentum` / `betas`) here and keep their
 * bookkeeping (`initialLr`, `maxLr`, …) alongside.
 */
export type ParamGroup<O extends GroupOptions = GroupOptions> = O & {
  params: Tensor[];
  /** Learning rate the schedulers start from (set by the first scheduler). */
  initialLr?: number;
  [extra: string]: unknown;
};

/** A group as passed to a constructor or `addParamGroup`: parameters plus optional overrides. */
export type ParamGroupInput<O extends GroupOptions = GroupOptions> = Partial<O> & {
  params: Iterable<Tensor>;
  [extra: string]: unknown;
};

/** What optimiser constructors accept: an iterable of tensors or of parameter groups. */
export type ParamsInput<O extends GroupOptions = GroupOptions> =
  | Iterable<Tensor>
  | Iterable<ParamGroupInput<O>>;

/** Per-parameter state: buffers (tensors with the parameter's shape and dtype) and counters. */
export type ParamState = Record<string, Tensor | number>;

/**
 * Serialised optimiser state, like PyTorch's: parameters are referred to by their
 * index in the order of `paramGroups` (concatenated). Everything except the tensors
 * in `state` is JSON-serialisable.
 */
export interface OptimizerStateDict {
  /** Per-parameter state keyed by parameter index (as a string). */
  state: Record<string, Record<string, Tensor | number>>;
  /** Hyper-parameters of each group; `params` lists the group's parameter indices. */
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
}

/** Options of `zeroGrad`. */
export interface ZeroGradOptions {
  /** Set `.grad` to null instead of filling it with zeros (default true, like PyTorch ≥ 2.0). */
  setToNone?: boolean;
}

function isDense(t: Tensor): boolean {
  return t.isContiguous && t.offset === 0 && t._storage.data.length === t.size;
}

/** A fresh zero-filled state buffer with `p`'s shape and dtype. */
export function zerosBuffer(p: Tensor, value = 0): Tensor {
  const data = allocArray(p.dtype, p.size);
  if (value !== 0) data.fill(value);
  return Tensor._fromData(data, p.shape, p.dtype);
}

/** @internal the storage of a state buffer created by `zerosBuffer` (always dense). */
export function bufData(t: Tensor | number | undefined): FloatArray {
  return (t as Tensor)._storage.data as FloatArray;
}

function cloneStateValue(v: Tensor | number, like?: Tensor): Tensor | number {
  if (typeof v === 'number') return v;
  const src = v._contiguousData();
  // Buffers shaped like the parameter take its dtype (like PyTorch's load_state_dict cast).
  const dtype = like && like.size === v.size && isFloating(v.dtype) ? like.dtype : v.dtype;
  const out = allocArray(dtype, v.size);
  out.set(src as ArrayLike<number>);
  return Tensor._fromData(out, like && like.size === v.size ? like.shape : v.shape, dtype);
}

function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  if (v !== null && typeof v === 'object') {
    if (v instanceof Tensor) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = cloneJson(x);
    return out as T;
  }
  return v;
}

/** Base class of all optimisers. */
export abstract class Optimizer<O extends GroupOptions = GroupOptions> {
  /** The hyper-parameters a group gets when it does not override them. */
  readonly defaults: O;
  /** The parameter groups, in order. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created lazily at the first step a parameter has a gradient. */
  readonly state = new Map<Tensor, ParamState>();
  /** Name used in error messages. */
  protected abstract readonly name: string;

  constructor(params: ParamsInput<O>, defaults: O) {
    this.defaults = defaults;
    if (
      params instanceof Tensor ||
      params === null ||
      typeof params !== 'object' ||
      !(Symbol.iterator in params)
    ) {
      throw new ArgumentError(
        'optimizer: params must be an iterable of tensors or of param groups (e.g. model.parameters())',
      );
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (list.length === 0) throw new ArgumentError('optimizer: got an empty parameter list');
    const groups: ParamGroupInput<O>[] =
      list[0] instanceof Tensor
        ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>]
        : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group of parameters (e.g. layers unfrozen during fine-tuning). */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== 'object' || !('params' in group)) {
      throw new ArgumentError('addParamGroup: a param group must be an object with a `params` field');
    }
    const raw = group.params as unknown;
    const params: Tensor[] = raw instanceof Tensor ? [raw] : [...(raw as Iterable<Tensor>)];
    const seen = new Set<Tensor>();
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new ArgumentError('addParamGroup: params must be tensors');
      if (!isFloating(p.dtype)) {
        throw new DTypeError(`addParamGroup: can only optimise float32/float64 tensors (got ${p.dtype})`);
      }
      if (!p.isLeaf) throw new ArgumentError("addParamGroup: can't optimise a non-leaf tensor");
      if (seen.has(p)) throw new ArgumentError('addParamGroup: a parameter appears twice in the same group');
      seen.add(p);
    }
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (seen.has(p)) {
          throw new ArgumentError('addParamGroup: some parameters appear in more than one parameter group');
        }
      }
    }
    const full = { ...cloneJson(this.defaults) } as Record<string, unknown>;
    for (const [k, v] of Object.entries(group)) if (k !== 'params') full[k] = cloneJson(v);
    full.params = params;
    this.paramGroups.push(full as ParamGroup<O>);
  }

  /** All parameters of all groups, in state-dict index order. */
  get params(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** Clears the gradients of all optimised parameters. */
  zeroGrad(options: ZeroGradOptions = {}): void {
    const setToNone = options.setToNone ?? true;
    const seen = new Set<unknown>();
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        if (setToNone) {
          p.grad = null;
          continue;
        }
        const grad = p.grad;
        if (isDense(grad) && !seen.has(grad._storage) && grad._node === null) {
          seen.add(grad._storage);
          grad._storage.data.fill(0);
          grad._storage.version++;
        } else {
          p.grad = zerosBuffer(p);
        }
      }
    }
  }

  /**
   * Performs one optimisation step. `closure` (optional) re-evaluates the model and
   * returns the loss; it runs with gradients enabled and its result is returned.
   */
  step(closure?: () => Tensor | number): number | undefined {
    let loss: number | undefined;
    if (closure) {
      const l = enableGrad(closure);
      loss = typeof l === 'number' ? l : l.item();
    }
    noGrad(() => {
      for (const group of this.paramGroups) {
        this.prepareGroup(group);
        for (const p of group.params) {
          const grad = p.grad;
          if (!grad) continue;
          if (!shapesEqual(grad.shape, p.shape)) {
            throw new ShapeError(
              `${this.name}.step: gradient of shape ${fmtShape(grad.shape)} does not match parameter of shape ${fmtShape(p.shape)}`,
            );
          }
          let st = this.state.get(p);
          if (!st) {
            st = this.initState(group, p);
            this.state.set(p, st);
          }
          const g = grad._contiguousData();
          if (p.isContiguous) {
            this.updateParam(group, p, p._storage.data as FloatArray, p.offset, g, p.size, st);
          } else {
            const tmp = p._contiguousData() as FloatArray;
            this.updateParam(group, p, tmp, 0, g, p.size, st);
            getBackend().assign(p._strided(), {
              data: tmp,
              shape: p.shape,
              strides: contiguousStrides(p.shape),
              offset: 0,
            });
          }
          p._storage.version++;
        }
      }
    });
    return loss;
  }

  /** Hook run once per group per step before its parameters are updated (validation, precomputation). */
  protected prepareGroup(_group: ParamGroup<O>): void {}

  /** Creates the state of a parameter at its first update. */
  protected abstract initState(group: ParamGroup<O>, p: Tensor): ParamState;

  /**
   * Updates the `n` elements of parameter `p` in place: `param[pOff + i]` with gradient `grad[i]`
   * (`param` is `p`'s storage, or a gathered copy when `p` is a strided view). State buffers
   * (from `initState`) are dense and indexed from 0.
   */
  protected abstract updateParam(
    group: ParamGroup<O>,
    p: Tensor,
    param: FloatArray,
    pOff: number,
    grad: DataArray,
    n: number,
    state: ParamState,
  ): void;

  /** A snapshot of the optimiser's state (tensors are copied), like `torch.optim.Optimizer.state_dict`. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    for (const g of this.paramGroups) {
      const entry: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') entry[k] = cloneJson(v);
      const ids: number[] = [];
      for (const p of g.params) {
        if (!index.has(p)) index.set(p, index.size);
        ids.push(index.get(p)!);
      }
      paramGroups.push({ ...entry, params: ids });
    }
    const state: OptimizerStateDict['state'] = {};
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const out: Record<string, Tensor | number> = {};
      for (const [k, v] of Object.entries(st)) out[k] = cloneStateValue(v);
      state[String(i)] = out;
    }
    return { state, paramGroups };
  }

  /** Restores state from `stateDict()`; parameters are matched by index, group sizes must agree. */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    if (!sd || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') {
      throw new ArgumentError(`${op}: expected { state, paramGroups }`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ArgumentError(
        `${op}: loaded state dict has ${sd.paramGroups.length} parameter groups, the optimizer has ${this.paramGroups.length}`,
      );
    }
    const idToParam = new Map<number, Tensor>();
    sd.paramGroups.forEach((saved, gi) => {
      const group = this.paramGroups[gi]!;
      if (!Array.isArray(saved.params) || saved.params.length !== group.params.length) {
        throw new ArgumentError(
          `${op}: group ${gi} has ${saved.params?.length} parameters in the state dict but ${group.params.length} in the optimizer`,
        );
      }
      saved.params.forEach((id, k) => {
        idToParam.set(id, group.params[k]!);
      });
    });
    const newState = new Map<Tensor, ParamState>();
    for (const [key, st] of Object.entries(sd.state)) {
      const p = idToParam.get(Number(key));
      if (!p) throw new ArgumentError(`${op}: state for unknown parameter index ${key}`);
      const out: ParamState = {};
      for (const [k, v] of Object.entries(st)) {
        if (v instanceof Tensor && v.size !== p.size && k !== 'step') {
          throw new ShapeError(
            `${op}: state '${k}' of parameter ${key} has shape ${fmtShape(v.shape)}, the parameter has ${fmtShape(p.shape)}`,
          );
        }
        out[k] = v instanceof Tensor && k === 'step' ? v.item() : cloneStateValue(v, p);
      }
      newState.set(p, out);
    }
    sd.paramGroups.forEach((saved, gi) => {
      const group = this.paramGroups[gi]! as Record<string, unknown>;
      for (const [k, v] of Object.entries(saved)) if (k !== 'params') group[k] = cloneJson(v);
    });
    this.state.clear();
    for (const [p, st] of newState) this.state.set(p, st);
  }
}

/** Checks a hyper-parameter: finite and ≥ `min` (messages like PyTorch's). */
export function checkNonNeg(op: string, what: string, v: number, min = 0): void {
  if (typeof v !== 'number' || !(v >= min) || Number.isNaN(v)) {
    throw new ArgumentError(`${op}: invalid ${what}: ${v}`);
  }
}

/** Checks a value in [0, 1). */
export function checkUnit(op: string, what: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new ArgumentError(`${op}: invalid ${what}: ${v}`);
}
