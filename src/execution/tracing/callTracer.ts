import { EVMError } from '@ethereumjs/evm'
import type { EVMInterface, EVMResult, InterpreterStep, Message } from '@ethereumjs/evm'
import { Hardfork, type Common } from '@ethereumjs/common'
import type { Address } from '@ethereumjs/util'
import { BaseError, RpcErrorCode } from '../../primitives/errors.js'
import { bigIntToBytes, toData, toQuantity, type Hex } from '../../primitives/hex.js'
import { decodeRevertReason, toGethVmError, type VmErrorContext } from './vmError.js'

/**
 * geth's `callTracer` (eth/tracers/native/call.go) over ethereumjs' EVM events.
 *
 * Frames open on `beforeMessage` and close on `afterMessage`. The `step` event is
 * subscribed too, because without it geth's output cannot be reproduced exactly:
 * - SELFDESTRUCT frames (ethereumjs sends no message for them),
 * - CALL vs STATICCALL inside an already-static frame (both arrive as static messages),
 * - calls that fail before a message is sent (insufficient balance, depth limit), which
 *   geth still reports as frames,
 * - `withLog` logs with their position among the subcalls,
 * - geth's wording of invalid-opcode and stack errors (it names the opcode).
 */

export type CallFrameType = 'CALL' | 'STATICCALL' | 'DELEGATECALL' | 'CALLCODE' | 'CREATE' | 'CREATE2' | 'SELFDESTRUCT'

/** A log as geth's callTracer reports it with `withLog`. */
export interface CallLog {
  address: Hex
  topics: Hex[]
  data: Hex
  /** Number of subcalls of the emitting frame made before this log (hex quantity). */
  position: Hex
}

/** One call frame of geth's callTracer result; keys in geth's order, optional ones omitted. */
export interface CallFrame {
  from: Hex
  gas: Hex
  gasUsed: Hex
  /** Absent for a failed CREATE/CREATE2. */
  to?: Hex
  input: Hex
  /** Absent when empty, and on errors other than a revert. */
  output?: Hex
  error?: string
  /** Decoded `Error(string)` / `Panic(uint256)` of a revert. */
  revertReason?: string
  calls?: CallFrame[]
  logs?: CallLog[]
  /** Absent for STATICCALL; a DELEGATECALL carries its parent's value, as in geth. */
  value?: Hex
  type: CallFrameType
}

/** geth's `tracerConfig` for `callTracer`. */
export interface CallTracerConfig {
  /** Record only the top-level call (and, with `withLog`, its own logs). */
  onlyTopCall?: boolean
  /** Record the logs each frame emitted (those of failed frames are dropped, like geth). */
  withLog?: boolean
}

/**
 * A callTracer for one transaction at a time. Usage: `txStart(tx.gasLimit)`,
 * `attach(vm.evm)`, run the transaction, `txEnd(gasUsed)`, `detach(vm.evm)`, `result()`.
 * `txStart`/`txEnd` are what make the top frame's `gas`/`gasUsed` the tx gas limit and
 * the receipt's gas used (intrinsic gas included), as geth reports them; without them the
 * top frame shows the EVM message's own gas limit and execution gas.
 */
export interface CallTracer {
  /** Subscribes to the EVM's `beforeMessage`, `afterMessage` and `step` events. */
  attach(evm: EVMInterface): void
  /** Unsubscribes; the result stays readable. */
  detach(evm: EVMInterface): void
  /** geth's OnTxStart: the tx gas limit, reported as the top frame's `gas`. */
  txStart(gasLimit: bigint): void
  /** geth's OnTxEnd: the tx's gas used (as in its receipt), the top frame's `gasUsed`. */
  txEnd(gasUsed: bigint): void
  /** The top-level frame of the last traced message. Throws if none completed. */
  result(): CallFrame
}

/** The tracer has nothing to report (no top-level message ran to completion). */
export class CallTracerError extends BaseError {
  override name = 'CallTracerError'
  constructor(message: string) {
    super(message, { rpcCode: RpcErrorCode.Server })
  }
}

export function createCallTracer(config: CallTracerConfig = {}): CallTracer {
  return new CallTracerImpl(config.onlyTopCall === true, config.withLog === true)
}

const OP = {
  CREATE: 0xf0,
  CALL: 0xf1,
  CALLCODE: 0xf2,
  DELEGATECALL: 0xf4,
  CREATE2: 0xf5,
  STATICCALL: 0xfa,
  SELFDESTRUCT: 0xff,
  RETURNDATACOPY: 0x3e,
  LOG0: 0xa0,
  LOG4: 0xa4,
} as const

const OP_TYPE: ReadonlyMap<number, CallFrameType> = new Map<number, CallFrameType>([
  [OP.CREATE, 'CREATE'],
  [OP.CALL, 'CALL'],
  [OP.CALLCODE, 'CALLCODE'],
  [OP.DELEGATECALL, 'DELEGATECALL'],
  [OP.CREATE2, 'CREATE2'],
  [OP.STATICCALL, 'STATICCALL'],
])

/** geth params: CallCreateDepth, CallStipend. */
const MAX_CALL_DEPTH = 1024
const CALL_STIPEND = 2300n
const MAX_UINT64 = (1n << 64n) - 1n
const ADDRESS_MASK = (1n << 160n) - 1n

interface RecordedLog {
  address: Hex
  topics: Hex[]
  data: Hex
  position: number
}

/** What `step` saw of the last opcode a frame ran (to word the error it may halt with). */
interface LastStep {
  seen: boolean
  pc: number
  code: number
  name: string
  stackLength: number
  /** A RETURNDATACOPY past the return data that geth fails as such, not as out of gas. */
  returnDataOutOfBounds: boolean
}

/** A frame while it is being built. */
interface Frame {
  type: CallFrameType
  from: Hex
  to: Hex | undefined
  input: Uint8Array
  gas: bigint
  gasUsed: bigint
  /** Reported value; undefined for STATICCALL. */
  value: bigint | undefined
  /** The frame's CALLVALUE (what a DELEGATECALL from it inherits). */
  callValue: bigint
  isStatic: boolean
  /** The message this frame stands for (ethereumjs marks precompile calls on it). */
  message: Message | undefined
  output: Uint8Array | undefined
  error: string | undefined
  revertReason: string | undefined
  calls: Frame[]
  logs: RecordedLog[]
  /** Overwritten at every step of the frame (no allocation per opcode). */
  lastStep: LastStep
  /** RETURNDATASIZE as the frame's code sees it now. */
  returnDataSize: bigint
  selfdestruct: { from: Hex; beneficiary: Hex; balance: bigint } | undefined
}

/** A CALL/CREATE-family opcode seen by `step` whose message has not (yet) started. */
interface PendingOp {
  code: number
  depth: number
  address: Hex
  /** Stack, top last. */
  stack: bigint[]
  /** Memory before the opcode ran (before any expansion). */
  memory: Uint8Array
  gasLeft: bigint
  /** Gas the opcode itself costs (static + dynamic), excluding what it forwards. */
  fee: bigint
  balance: bigint
  nonce: bigint
}

class CallTracerImpl implements CallTracer {
  /** Open frames by depth. With onlyTopCall, subcalls are still followed but not reported. */
  private open: Frame[] = []
  private pending: (PendingOp | undefined)[] = []
  private root: Frame | undefined
  private txGasLimit: bigint | undefined
  private txGasUsed: bigint | undefined
  /** The chain rules in force (read when needed: a block run may switch hardforks). */
  private common: Common | undefined

  constructor(
    private readonly onlyTopCall: boolean,
    private readonly withLog: boolean,
  ) {}

  attach(evm: EVMInterface): void {
    const events = evm.events
    if (!events) throw new CallTracerError('the EVM exposes no events to trace')
    this.common = evm.common
    events.on('beforeMessage', this.onBeforeMessage)
    events.on('afterMessage', this.onAfterMessage)
    events.on('step', this.onStep)
  }

  detach(evm: EVMInterface): void {
    const events = evm.events
    if (!events) return
    events.off('beforeMessage', this.onBeforeMessage)
    events.off('afterMessage', this.onAfterMessage)
    events.off('step', this.onStep)
  }

  txStart(gasLimit: bigint): void {
    this.txGasLimit = gasLimit
    this.txGasUsed = undefined
    this.reset()
  }

  txEnd(gasUsed: bigint): void {
    this.txGasUsed = gasUsed
  }

  result(): CallFrame {
    const root = this.root
    if (!root) throw new CallTracerError('no top-level call was traced')
    const top = toJson(root, false, this.onlyTopCall)
    if (this.txGasLimit !== undefined) top.gas = toQuantity(this.txGasLimit)
    if (this.txGasUsed !== undefined) top.gasUsed = toQuantity(this.txGasUsed)
    return top
  }

  private reset(): void {
    this.open = []
    this.pending = []
    this.root = undefined
  }

  // Listeners take one argument so that ethereumjs does not await them.

  private readonly onBeforeMessage = (msg: Message): void => {
    const depth = msg.depth
    // a new top-level message: whatever an earlier one left behind is void
    if (depth === 0) this.reset()
    const op = depth > 0 ? this.pending[depth - 1] : undefined
    if (depth > 0) this.pending[depth - 1] = undefined
    const type = (op && OP_TYPE.get(op.code)) ?? messageType(msg, this.open[depth - 1])
    const codeAddress = msg._codeAddress ?? msg.to
    this.open.push(
      newFrame({
        type,
        // a DELEGATECALL message carries the original caller; geth names the delegating contract
        from: msg.delegatecall && msg.to ? addressHex(msg.to) : addressHex(msg.caller),
        to: codeAddress ? addressHex(codeAddress) : undefined,
        // ethereumjs passes calldata as a view of the caller's memory: copy it
        input: msg.data.slice(),
        gas: msg.gasLimit,
        value: type === 'STATICCALL' ? undefined : msg.value,
        callValue: msg.value,
        isStatic: msg.isStatic,
        message: msg,
      }),
    )
  }

  private readonly onAfterMessage = (result: EVMResult): void => {
    const frame = this.open.pop()
    if (!frame) return
    const depth = this.open.length
    const exec = result.execResult
    let err = exec.exceptionError
    // pre-Homestead, a CREATE that cannot pay for its code still succeeds (geth clears the error)
    if (err?.error === EVMError.errorMessages.CODESTORE_OUT_OF_GAS && this.common?.gteHardfork(Hardfork.Homestead) === false) {
      err = undefined
    }
    this.settlePending(depth, frame, err !== undefined)

    frame.gasUsed = exec.executionGasUsed
    if (isCreate(frame.type) && result.createdAddress) frame.to = addressHex(result.createdAddress)
    const reverted = err?.error === EVMError.errorMessages.REVERT
    if (!err) {
      frame.output = exec.returnValue.slice()
      if (frame.selfdestruct) frame.calls.push(selfdestructFrame(frame))
    } else {
      frame.error = toGethVmError(err, this.errorContext(frame, exec.runState?.code))
      if (isCreate(frame.type)) frame.to = undefined
      if (reverted && exec.returnValue.length > 0) {
        frame.output = exec.returnValue.slice()
        frame.revertReason = decodeRevertReason(exec.returnValue)
      }
    }

    const parent = this.open[depth - 1]
    if (!parent) {
      if (depth === 0) this.root = frame
      return
    }
    parent.calls.push(frame)
    // what the caller's RETURNDATASIZE now says: a CREATE returns data only when reverting
    const returnsData = reverted || (!err && !isCreate(frame.type))
    parent.returnDataSize = returnsData ? BigInt(exec.returnValue.length) : 0n
  }

  private errorContext(frame: Frame, code: Uint8Array | undefined): VmErrorContext {
    const last = frame.lastStep
    const precompile = frame.message?.isCompiled === true
    if (!last.seen) return { precompile, input: frame.input }
    // undefined opcodes reach `step` as INVALID (0xfe); the code tells the real byte
    const byte = code?.[last.pc] ?? last.code
    return {
      haltingOp: { code: byte, name: byte === last.code ? last.name : 'INVALID', stackLength: last.stackLength },
      returnDataOutOfBounds: last.returnDataOutOfBounds,
      precompile,
      input: frame.input,
    }
  }

  private readonly onStep = (step: InterpreterStep): void => {
    const depth = step.depth
    const frame = this.open[depth]
    if (!frame) return
    // the opcode before this one at this depth completed; if it was a call that sent
    // no message, it failed before entering the callee
    this.settlePending(depth, frame, false)
    const code = step.opcode.code
    const last = frame.lastStep
    last.seen = true
    last.pc = step.pc
    last.code = code
    last.name = step.opcode.name
    last.stackLength = step.stack.length
    last.returnDataOutOfBounds = false

    if (OP_TYPE.has(code)) {
      this.pending[depth] = {
        code,
        depth,
        address: addressHex(step.address),
        stack: step.stack,
        memory: step.memory,
        gasLeft: step.gasLeft,
        fee: step.opcode.dynamicFee ?? BigInt(step.opcode.fee),
        balance: step.account.balance,
        nonce: step.account.nonce,
      }
    } else if (code >= OP.LOG0 && code <= OP.LOG4) {
      if (this.withLog) this.recordLog(frame, step, code - OP.LOG0)
    } else if (code === OP.SELFDESTRUCT) {
      const beneficiary = step.stack[step.stack.length - 1]
      if (beneficiary === undefined) return // stack underflow: the frame fails
      frame.selfdestruct = {
        from: addressHex(step.address),
        beneficiary: wordToAddress(beneficiary),
        balance: step.account.balance,
      }
    } else if (code === OP.RETURNDATACOPY) {
      last.returnDataOutOfBounds = returnDataCopyOutOfBounds(step, frame.returnDataSize)
    }
  }

  private recordLog(frame: Frame, step: InterpreterStep, topicCount: number): void {
    const s = step.stack
    if (s.length < 2 + topicCount) return // stack underflow: the frame fails
    const offset = s[s.length - 1]!
    const length = s[s.length - 2]!
    const data = readMemory(step.memory, offset, length, step.gasLeft)
    if (data === undefined) return // cannot pay for the memory: the frame fails
    const topics: Hex[] = []
    for (let i = 0; i < topicCount; i++) topics.push(toData(bigIntToBytes(s[s.length - 3 - i]!, 32)))
    // with onlyTopCall geth has no subcalls to count
    const position = this.onlyTopCall ? 0 : frame.calls.length
    frame.logs.push({ address: addressHex(step.address), topics, data: toData(data), position })
  }

  /**
   * Settles the call opcode last seen at `depth` in `frame`. `opFailed` means the frame
   * halted on that opcode itself (bad gas, static violation): no call was attempted then.
   */
  private settlePending(depth: number, frame: Frame, opFailed: boolean): void {
    const op = this.pending[depth]
    if (!op) return
    this.pending[depth] = undefined
    if (opFailed) return
    frame.returnDataSize = 0n
    const failed = this.failedCallFrame(op, frame)
    if (failed) frame.calls.push(failed)
  }

  /** The frame geth reports for a call that failed before its callee ran. */
  private failedCallFrame(op: PendingOp, caller: Frame): Frame | undefined {
    const s = op.stack
    const arg = (i: number): bigint => s[s.length - 1 - i] ?? 0n
    const create = op.code === OP.CREATE || op.code === OP.CREATE2
    const withValue = create || op.code === OP.CALL || op.code === OP.CALLCODE
    let value: bigint | undefined
    let input: Uint8Array | undefined
    let requested: bigint | undefined
    let to: Hex | undefined
    if (create) {
      value = arg(0)
      input = readMemory(op.memory, arg(1), arg(2), op.gasLeft)
    } else if (withValue) {
      requested = arg(0)
      to = wordToAddress(arg(1))
      value = arg(2)
      input = readMemory(op.memory, arg(3), arg(4), op.gasLeft)
    } else {
      requested = arg(0)
      to = wordToAddress(arg(1))
      value = op.code === OP.DELEGATECALL ? caller.callValue : undefined
      input = readMemory(op.memory, arg(2), arg(3), op.gasLeft)
    }

    let error: string
    if (op.depth >= MAX_CALL_DEPTH) error = 'max call depth exceeded'
    else if (withValue && value! > op.balance) error = 'insufficient balance for transfer'
    else if (create && op.nonce >= MAX_UINT64) error = 'nonce uint64 overflow'
    else return undefined // a reason geth has no frame for (or one we cannot name)

    const available = op.gasLeft - op.fee
    // EIP-150 (Tangerine Whistle) caps forwarded gas at all but 1/64 of what is left
    const cap = this.common?.gteHardfork(Hardfork.TangerineWhistle) === false ? available : available - available / 64n
    let gas = requested === undefined || requested > cap ? cap : requested
    if (!create && withValue && value! > 0n) gas += CALL_STIPEND

    const frame = newFrame({
      type: OP_TYPE.get(op.code)!,
      from: op.address,
      to: create ? undefined : to,
      input: input ?? new Uint8Array(0),
      gas,
      value,
      callValue: value ?? 0n,
      isStatic: caller.isStatic || op.code === OP.STATICCALL,
      message: undefined,
    })
    frame.error = error
    return frame
  }
}

/** The frame type a message stands for when no `step` told the opcode. */
function messageType(msg: Message, parent: Frame | undefined): CallFrameType {
  if (!msg.to) return msg.salt ? 'CREATE2' : 'CREATE'
  if (msg.depth === 0) return 'CALL'
  if (msg.delegatecall) return 'DELEGATECALL'
  if (msg._codeAddress !== undefined) return 'CALLCODE'
  if (msg.isStatic && parent !== undefined && !parent.isStatic) return 'STATICCALL'
  return 'CALL'
}

function isCreate(type: CallFrameType): boolean {
  return type === 'CREATE' || type === 'CREATE2'
}

/** geth reports a SELFDESTRUCT as a gasless subcall moving the whole balance. */
function selfdestructFrame(frame: Frame): Frame {
  const sd = frame.selfdestruct!
  return newFrame({
    type: 'SELFDESTRUCT',
    from: sd.from,
    to: sd.beneficiary,
    input: new Uint8Array(0),
    gas: 0n,
    value: sd.balance,
    callValue: sd.balance,
    isStatic: false,
    message: undefined,
  })
}

type FrameStart = Pick<Frame, 'type' | 'from' | 'to' | 'input' | 'gas' | 'value' | 'callValue' | 'isStatic' | 'message'>

function newFrame(start: FrameStart): Frame {
  return {
    ...start,
    gasUsed: 0n,
    output: undefined,
    error: undefined,
    revertReason: undefined,
    calls: [],
    logs: [],
    lastStep: { seen: false, pc: 0, code: 0, name: '', stackLength: 0, returnDataOutOfBounds: false },
    returnDataSize: 0n,
    selfdestruct: undefined,
  }
}

/**
 * `length` bytes of memory at `offset`, zero beyond what is allocated (the opcode
 * expands memory). Undefined if the expansion is more than `gasLeft` could pay for, in
 * which case the opcode fails and nothing it would read matters.
 */
function readMemory(memory: Uint8Array, offset: bigint, length: bigint, gasLeft: bigint): Uint8Array | undefined {
  if (length === 0n) return new Uint8Array(0)
  const end = offset + length
  const have = BigInt(memory.length)
  if (memoryExpansionCost(have / 32n, end) > gasLeft) return undefined
  const out = new Uint8Array(Number(length))
  if (offset < have) out.set(memory.subarray(Number(offset), Number(end < have ? end : have)))
  return out
}

/** Gas to grow memory of `words` 32-byte words to cover `end` bytes (yellow paper C_mem). */
function memoryExpansionCost(words: bigint, end: bigint): bigint {
  const newWords = (end + 31n) / 32n
  if (newWords <= words) return 0n
  const cost = (w: bigint): bigint => 3n * w + (w * w) / 512n
  return cost(newWords) - cost(words)
}

/**
 * Whether a RETURNDATACOPY reads past the return data and can pay for itself: geth then
 * fails it with `return data out of bounds`, where ethereumjs reports `out of gas`.
 */
function returnDataCopyOutOfBounds(step: InterpreterStep, returnDataSize: bigint): boolean {
  const s = step.stack
  if (s.length < 3) return false
  const memOffset = s[s.length - 1]!
  const dataOffset = s[s.length - 2]!
  const length = s[s.length - 3]!
  if (dataOffset + length <= returnDataSize) return false
  // geth charges the copy (3 + 3 per word + memory expansion) before it checks bounds
  let cost = 3n
  if (length > 0n) cost += 3n * ((length + 31n) / 32n) + memoryExpansionCost(step.memoryWordCount, memOffset + length)
  return cost <= step.gasLeft
}

function addressHex(address: Address): Hex {
  return toData(address.bytes)
}

function wordToAddress(word: bigint): Hex {
  return toData(bigIntToBytes(word & ADDRESS_MASK, 20))
}

/**
 * geth's JSON for a frame; `parentFailed` drops logs of frames under a failed one,
 * `topOnly` leaves the subcalls out.
 */
function toJson(frame: Frame, parentFailed: boolean, topOnly: boolean): CallFrame {
  const failed = parentFailed || frame.error !== undefined
  // keys in geth's order: from, gas, gasUsed, to, input, output, error, revertReason,
  // calls, logs, value, type
  const out: Partial<CallFrame> = { from: frame.from, gas: toQuantity(frame.gas), gasUsed: toQuantity(frame.gasUsed) }
  if (frame.to !== undefined) out.to = frame.to
  out.input = toData(frame.input)
  if (frame.output !== undefined && frame.output.length > 0) out.output = toData(frame.output)
  if (frame.error !== undefined) out.error = frame.error
  if (frame.revertReason !== undefined && frame.revertReason !== '') out.revertReason = frame.revertReason
  if (!topOnly && frame.calls.length > 0) out.calls = frame.calls.map((c) => toJson(c, failed, false))
  if (!failed && frame.logs.length > 0) {
    out.logs = frame.logs.map((l) => ({ address: l.address, topics: l.topics, data: l.data, position: toQuantity(l.position) }))
  }
  if (frame.value !== undefined) out.value = toQuantity(frame.value)
  out.type = frame.type
  return out as CallFrame
}
